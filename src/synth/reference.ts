/** Reference data for synthetic declarations: goods, countries, ports, names. */

export interface Goods {
  hs: string;
  description: string;
  /** Typical value per kg in MAD. */
  valuePerKg: number;
  /** Countries it usually comes from. */
  origins: string[];
  highRisk?: boolean;
}

export const GOODS: Goods[] = [
  { hs: '610910', description: 'T-shirts of cotton', valuePerKg: 180, origins: ['CN', 'TR', 'BD', 'IN'], highRisk: true },
  { hs: '620342', description: 'Men trousers of cotton', valuePerKg: 210, origins: ['CN', 'TR', 'BD', 'PK'], highRisk: true },
  { hs: '640299', description: 'Footwear, rubber soles', valuePerKg: 160, origins: ['CN', 'VN', 'TR'], highRisk: true },
  { hs: '851712', description: 'Mobile telephones', valuePerKg: 9000, origins: ['CN', 'VN', 'KR'], highRisk: true },
  { hs: '847130', description: 'Portable computers', valuePerKg: 6500, origins: ['CN', 'TW', 'VN'] },
  { hs: '870899', description: 'Motor vehicle parts', valuePerKg: 95, origins: ['DE', 'FR', 'ES', 'CN', 'TR'] },
  { hs: '720839', description: 'Flat-rolled iron, hot-rolled', valuePerKg: 7, origins: ['CN', 'TR', 'UA', 'IN'], highRisk: true },
  { hs: '721049', description: 'Galvanised flat-rolled steel', valuePerKg: 9, origins: ['CN', 'TR', 'KR', 'IN'], highRisk: true },
  { hs: '240220', description: 'Cigarettes containing tobacco', valuePerKg: 600, origins: ['AE', 'TR', 'CN'], highRisk: true },
  { hs: '330499', description: 'Beauty preparations', valuePerKg: 320, origins: ['FR', 'IT', 'CN', 'KR'] },
  { hs: '300490', description: 'Medicaments, packaged', valuePerKg: 1400, origins: ['FR', 'IN', 'DE', 'CH'] },
  { hs: '100199', description: 'Wheat', valuePerKg: 3, origins: ['FR', 'UA', 'RU', 'CA'] },
  { hs: '170199', description: 'Cane or beet sugar', valuePerKg: 6, origins: ['BR', 'FR', 'IN'] },
  { hs: '090240', description: 'Black tea', valuePerKg: 45, origins: ['CN', 'LK', 'IN'] },
  { hs: '392690', description: 'Articles of plastics', valuePerKg: 55, origins: ['CN', 'TR', 'IT', 'ES'] },
  { hs: '940360', description: 'Wooden furniture', valuePerKg: 60, origins: ['CN', 'TR', 'IT', 'ES'] },
  { hs: '690721', description: 'Ceramic tiles', valuePerKg: 8, origins: ['ES', 'CN', 'IT', 'TR'] },
  { hs: '852872', description: 'Television receivers', valuePerKg: 450, origins: ['CN', 'KR', 'TR'], highRisk: true },
  { hs: '841810', description: 'Refrigerator-freezers', valuePerKg: 110, origins: ['CN', 'TR', 'KR'] },
  { hs: '400122', description: 'Natural rubber', valuePerKg: 18, origins: ['TH', 'ID', 'MY'] },
  { hs: '520512', description: 'Cotton yarn', valuePerKg: 35, origins: ['IN', 'PK', 'TR', 'EG'] },
  { hs: '731815', description: 'Screws and bolts of steel', valuePerKg: 25, origins: ['CN', 'DE', 'TW', 'IT'] },
  { hs: '950300', description: 'Toys', valuePerKg: 90, origins: ['CN', 'VN'], highRisk: true },
  { hs: '420222', description: 'Handbags, outer surface of plastic or textile', valuePerKg: 260, origins: ['CN', 'IT', 'TR'], highRisk: true },
];

/** Loading ports by country (UN/LOCODE), and the transit hubs used to re-route goods. */
export const PORTS: Record<string, string[]> = {
  CN: ['CNSHA', 'CNNGB', 'CNSZX', 'CNQIN'], TR: ['TRIST', 'TRMER'], BD: ['BDCGP'], IN: ['INNSA', 'INMUN'],
  VN: ['VNSGN', 'VNHPH'], KR: ['KRPUS'], TW: ['TWKHH'], DE: ['DEHAM', 'DEBRV'], FR: ['FRMRS', 'FRLEH'],
  ES: ['ESALG', 'ESVLC', 'ESBCN'], UA: ['UAODS'], AE: ['AEJEA'], IT: ['ITGOA', 'ITSPE'], CH: ['CHBSL'],
  RU: ['RUNVS'], CA: ['CAMTR'], BR: ['BRSSZ'], LK: ['LKCMB'], TH: ['THLCH'], ID: ['IDJKT'], MY: ['MYPKG', 'MYTPP'],
  PK: ['PKKHI'], EG: ['EGPSD'], MT: ['MTMAR'],
};

/** Third countries through which goods are re-exported to hide their origin (anti-dumping duties). */
export const LAUNDERING_HUBS = ['MY', 'AE', 'TR', 'EG'];
export const DISCHARGE_PORTS = ['MACAS', 'MAPTM', 'MAAGA', 'MANDR'];
export const OFFICES = ['300', '301', '309', '400', '500', '601'];

export const NAME_WORDS = [
  'Atlas', 'Sahara', 'Maghreb', 'Oasis', 'Anfa', 'Medina', 'Rif', 'Souss', 'Tafilalet', 'Zenith', 'Horizon', 'Nour',
  'Amal', 'Baraka', 'Cedre', 'Argan', 'Ocean', 'Delta', 'Phoenix', 'Royal', 'Global', 'Premier', 'Euro', 'Afrique',
  'Mediterranee', 'Kasbah', 'Majorelle', 'Yasmine', 'Ifrane', 'Toubkal', 'Saada', 'Najah', 'Tijara', 'Istiqlal',
  'Chourouk', 'Massira', 'Wafa', 'Jawhara', 'Diamant', 'Etoile', 'Falcon', 'Lotus', 'Orient', 'Palmier', 'Rayane',
];
export const NAME_TRADES = [
  'Import Export', 'Trading', 'Distribution', 'Negoce', 'Textile', 'Auto Pieces', 'Electro', 'Materiaux', 'Agro',
  'Logistique', 'Commerce', 'Industrie', 'Equipement', 'Services', 'Mode', 'Chaussures', 'Acier', 'Plast',
];
export const LEGAL_FORMS = ['SARL', 'S.A.R.L.', 'SARL AU', 'SA', 'Sté', 'Société', 'STE', 'S.A.', ''];
export const FIRST_NAMES = [
  'Ahmed', 'Mohamed', 'Youssef', 'Fatima', 'Khadija', 'Rachid', 'Said', 'Nadia', 'Hassan', 'Karim', 'Samira', 'Omar',
  'Leila', 'Mustapha', 'Aicha', 'Hicham', 'Zineb', 'Abdellah', 'Imane', 'Driss', 'Salma', 'Anas', 'Meryem', 'Hamza',
];
export const LAST_NAMES = [
  'Benali', 'El Amrani', 'Tazi', 'Alaoui', 'Berrada', 'Bennani', 'Chraibi', 'El Idrissi', 'Fassi', 'Kettani', 'Lahlou',
  'Mansouri', 'Naciri', 'Ouazzani', 'Rami', 'Sebti', 'Squalli', 'Tahiri', 'Zniber', 'Belkadi', 'Haddad', 'Jabri',
];
export const STREETS = [
  'Zerktouni', 'Mohammed V', 'Hassan II', 'Anfa', 'Abdelmoumen', 'Al Massira', 'Ghandi', 'Roudani', 'Moulay Youssef',
  'Bir Anzarane', 'Al Qods', 'Ibn Sina', 'Oued Sebou', 'Emile Zola', 'Yacoub El Mansour', 'Allal Ben Abdellah',
];
export const CITIES = ['Casablanca', 'Tanger', 'Rabat', 'Agadir', 'Marrakech', 'Fes', 'Kenitra', 'Nador'];
export const STREET_TYPES = ['Boulevard', 'Avenue', 'Rue'];

export const GIANT_CARRIERS = [
  { id: 'CAR-MAERSK', name: 'Maersk Line' },
  { id: 'CAR-MSC', name: 'Mediterranean Shipping Company' },
  { id: 'CAR-CMACGM', name: 'CMA CGM' },
];
export const SMALL_CARRIERS = [
  { id: 'CAR-COMANAV', name: 'Comanav' }, { id: 'CAR-ARKAS', name: 'Arkas Line' }, { id: 'CAR-OPDR', name: 'OPDR' },
  { id: 'CAR-RAM', name: 'Royal Air Maroc Cargo' }, { id: 'CAR-DHL', name: 'DHL Express' }, { id: 'CAR-SDTM', name: 'SDTM Transport' },
  { id: 'CAR-GRIMALDI', name: 'Grimaldi Lines' }, { id: 'CAR-EVERG', name: 'Evergreen' }, { id: 'CAR-COSCO', name: 'COSCO Shipping' },
];
export const FOREIGN_COUNTRIES = Object.keys(PORTS).filter((c) => c !== 'MT');
