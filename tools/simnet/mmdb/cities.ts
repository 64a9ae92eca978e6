// Real cities where the simnet places its nodes: coordinates (4 decimals, as MaxMind stores them),
// IANA time zones, first-level subdivisions (ISO 3166-2 suffix) and GeoNames ids where well known.
// Hosting towns whose GeoNames id we could not confirm (Falkenstein, Gravelines, Beauharnois,
// Council Bluffs, Boardman) carry no geoname_id, which real GeoLite2 records also sometimes lack.

/** A city as the City database's `city`, `subdivisions` and `location` fields describe it. */
export interface City {
  readonly name: string;
  readonly country: string;
  readonly geonameId?: number;
  readonly subdivision?: { readonly iso: string; readonly name: string };
  readonly latitude: number;
  readonly longitude: number;
  readonly timeZone: string;
}

type Row = [
  name: string,
  country: string,
  geonameId: number | undefined,
  subIso: string | undefined,
  subName: string | undefined,
  lat: number,
  lon: number,
  tz: string,
];

const ROWS: readonly Row[] = [
  // United States
  ["Ashburn", "US", 4744870, "VA", "Virginia", 39.0437, -77.4875, "America/New_York"],
  ["New York", "US", 5128581, "NY", "New York", 40.7128, -74.006, "America/New_York"],
  ["Newark", "US", 5101798, "NJ", "New Jersey", 40.7357, -74.1724, "America/New_York"],
  ["Boston", "US", 4930956, "MA", "Massachusetts", 42.3601, -71.0589, "America/New_York"],
  ["Philadelphia", "US", 4560349, "PA", "Pennsylvania", 39.9526, -75.1652, "America/New_York"],
  ["Atlanta", "US", 4180439, "GA", "Georgia", 33.749, -84.388, "America/New_York"],
  ["Miami", "US", 4164138, "FL", "Florida", 25.7617, -80.1918, "America/New_York"],
  ["Columbus", "US", 4509177, "OH", "Ohio", 39.9612, -82.9988, "America/New_York"],
  ["Chicago", "US", 4887398, "IL", "Illinois", 41.8781, -87.6298, "America/Chicago"],
  ["Dallas", "US", 4684888, "TX", "Texas", 32.7767, -96.797, "America/Chicago"],
  ["Houston", "US", 4699066, "TX", "Texas", 29.7604, -95.3698, "America/Chicago"],
  ["Council Bluffs", "US", undefined, "IA", "Iowa", 41.2619, -95.8608, "America/Chicago"],
  ["Denver", "US", 5419384, "CO", "Colorado", 39.7392, -104.9903, "America/Denver"],
  ["Salt Lake City", "US", 5780993, "UT", "Utah", 40.7608, -111.891, "America/Denver"],
  ["Phoenix", "US", 5308655, "AZ", "Arizona", 33.4484, -112.074, "America/Phoenix"],
  ["Los Angeles", "US", 5368361, "CA", "California", 34.0522, -118.2437, "America/Los_Angeles"],
  ["San Francisco", "US", 5391959, "CA", "California", 37.7749, -122.4194, "America/Los_Angeles"],
  ["San Jose", "US", 5392171, "CA", "California", 37.3382, -121.8863, "America/Los_Angeles"],
  ["Seattle", "US", 5809844, "WA", "Washington", 47.6062, -122.3321, "America/Los_Angeles"],
  ["Portland", "US", 5746545, "OR", "Oregon", 45.5152, -122.6784, "America/Los_Angeles"],
  ["Boardman", "US", undefined, "OR", "Oregon", 45.8399, -119.7006, "America/Los_Angeles"],
  // Germany
  ["Falkenstein", "DE", undefined, "SN", "Saxony", 50.4779, 12.3713, "Europe/Berlin"],
  ["Nuremberg", "DE", 2861650, "BY", "Bavaria", 49.4521, 11.0767, "Europe/Berlin"],
  ["Munich", "DE", 2867714, "BY", "Bavaria", 48.1351, 11.582, "Europe/Berlin"],
  ["Berlin", "DE", 2950159, "BE", "Land Berlin", 52.52, 13.405, "Europe/Berlin"],
  ["Hamburg", "DE", 2911298, "HH", "Hamburg", 53.5511, 9.9937, "Europe/Berlin"],
  ["Frankfurt am Main", "DE", 2925533, "HE", "Hesse", 50.1109, 8.6821, "Europe/Berlin"],
  ["Düsseldorf", "DE", 2934246, "NW", "North Rhine-Westphalia", 51.2277, 6.7735, "Europe/Berlin"],
  ["Cologne", "DE", 2886242, "NW", "North Rhine-Westphalia", 50.9375, 6.9603, "Europe/Berlin"],
  ["Karlsruhe", "DE", 2892794, "BW", "Baden-Württemberg", 49.0069, 8.4037, "Europe/Berlin"],
  ["Stuttgart", "DE", 2825297, "BW", "Baden-Württemberg", 48.7758, 9.1829, "Europe/Berlin"],
  // France
  ["Roubaix", "FR", 2982652, "HDF", "Hauts-de-France", 50.6942, 3.1746, "Europe/Paris"],
  ["Gravelines", "FR", undefined, "HDF", "Hauts-de-France", 50.9865, 2.1282, "Europe/Paris"],
  ["Strasbourg", "FR", 2973783, "GES", "Grand Est", 48.5734, 7.7521, "Europe/Paris"],
  ["Paris", "FR", 2988507, "IDF", "Île-de-France", 48.8566, 2.3522, "Europe/Paris"],
  ["Lyon", "FR", 2996944, "ARA", "Auvergne-Rhône-Alpes", 45.764, 4.8357, "Europe/Paris"],
  ["Marseille", "FR", 2995469, "PAC", "Provence-Alpes-Côte d'Azur", 43.2965, 5.3698, "Europe/Paris"],
  // Netherlands
  ["Amsterdam", "NL", 2759794, "NH", "North Holland", 52.3676, 4.9041, "Europe/Amsterdam"],
  ["Rotterdam", "NL", 2747891, "ZH", "South Holland", 51.9244, 4.4777, "Europe/Amsterdam"],
  ["Groningen", "NL", 2755251, "GR", "Groningen", 53.2194, 6.5665, "Europe/Amsterdam"],
  ["Utrecht", "NL", 2745912, "UT", "Utrecht", 52.0907, 5.1214, "Europe/Amsterdam"],
  // Canada
  ["Beauharnois", "CA", undefined, "QC", "Quebec", 45.3151, -73.8779, "America/Toronto"],
  ["Montreal", "CA", 6077243, "QC", "Quebec", 45.5017, -73.5673, "America/Toronto"],
  ["Toronto", "CA", 6167865, "ON", "Ontario", 43.6532, -79.3832, "America/Toronto"],
  ["Vancouver", "CA", 6173331, "BC", "British Columbia", 49.2827, -123.1207, "America/Vancouver"],
  ["Calgary", "CA", 5913490, "AB", "Alberta", 51.0447, -114.0719, "America/Edmonton"],
  // United Kingdom
  ["London", "GB", 2643743, "ENG", "England", 51.5074, -0.1278, "Europe/London"],
  ["Manchester", "GB", 2643123, "ENG", "England", 53.4808, -2.2426, "Europe/London"],
  // Finland
  ["Helsinki", "FI", 658225, "18", "Uusimaa", 60.1699, 24.9384, "Europe/Helsinki"],
  ["Tampere", "FI", 634963, "11", "Pirkanmaa", 61.4978, 23.761, "Europe/Helsinki"],
  // Asia-Pacific
  ["Singapore", "SG", 1880252, undefined, undefined, 1.3521, 103.8198, "Asia/Singapore"],
  ["Tokyo", "JP", 1850147, "13", "Tokyo", 35.6762, 139.6503, "Asia/Tokyo"],
  ["Osaka", "JP", 1853909, "27", "Osaka", 34.6937, 135.5023, "Asia/Tokyo"],
  ["Sydney", "AU", 2147714, "NSW", "New South Wales", -33.8688, 151.2093, "Australia/Sydney"],
  ["Melbourne", "AU", 2158177, "VIC", "Victoria", -37.8136, 144.9631, "Australia/Melbourne"],
  ["Hong Kong", "HK", 1819729, undefined, undefined, 22.3193, 114.1694, "Asia/Hong_Kong"],
  ["Seoul", "KR", 1835848, "11", "Seoul", 37.5665, 126.978, "Asia/Seoul"],
  ["Mumbai", "IN", 1275339, "MH", "Maharashtra", 19.076, 72.8777, "Asia/Kolkata"],
  ["Bengaluru", "IN", 1277333, "KA", "Karnataka", 12.9716, 77.5946, "Asia/Kolkata"],
  ["Shanghai", "CN", 1796236, "SH", "Shanghai", 31.2304, 121.4737, "Asia/Shanghai"],
  ["Hangzhou", "CN", 1808926, "ZJ", "Zhejiang", 30.2741, 120.1551, "Asia/Shanghai"],
  ["Taipei", "TW", 1668341, "TPE", "Taipei", 25.033, 121.5654, "Asia/Taipei"],
  ["Tel Aviv", "IL", 293397, "TA", "Tel Aviv", 32.0853, 34.7818, "Asia/Jerusalem"],
  ["Istanbul", "TR", 745044, "34", "Istanbul", 41.0082, 28.9784, "Europe/Istanbul"],
  ["Bangkok", "TH", 1609350, "10", "Bangkok", 13.7563, 100.5018, "Asia/Bangkok"],
  ["Ho Chi Minh City", "VN", 1566083, "SG", "Ho Chi Minh", 10.8231, 106.6297, "Asia/Ho_Chi_Minh"],
  ["Jakarta", "ID", 1642911, "JK", "Jakarta", -6.2088, 106.8456, "Asia/Jakarta"],
  ["Kuala Lumpur", "MY", 1735161, "14", "Kuala Lumpur", 3.139, 101.6869, "Asia/Kuala_Lumpur"],
  ["Auckland", "NZ", 2193733, "AUK", "Auckland", -36.8485, 174.7633, "Pacific/Auckland"],
  // Rest of Europe
  ["Zurich", "CH", 2657896, "ZH", "Zurich", 47.3769, 8.5417, "Europe/Zurich"],
  ["Geneva", "CH", 2660646, "GE", "Geneva", 46.2044, 6.1432, "Europe/Zurich"],
  ["Bern", "CH", 2661552, "BE", "Bern", 46.948, 7.4474, "Europe/Zurich"],
  ["Moscow", "RU", 524901, "MOW", "Moscow", 55.7558, 37.6173, "Europe/Moscow"],
  ["Saint Petersburg", "RU", 498817, "SPE", "St.-Petersburg", 59.9311, 30.3609, "Europe/Moscow"],
  ["Novosibirsk", "RU", 1496747, "NVS", "Novosibirsk Oblast", 55.0084, 82.9357, "Asia/Novosibirsk"],
  ["Stockholm", "SE", 2673730, "AB", "Stockholm County", 59.3293, 18.0686, "Europe/Stockholm"],
  ["Gothenburg", "SE", 2711537, "O", "Västra Götaland County", 57.7089, 11.9746, "Europe/Stockholm"],
  ["Milan", "IT", 3173435, "25", "Lombardy", 45.4642, 9.19, "Europe/Rome"],
  ["Rome", "IT", 3169070, "62", "Lazio", 41.9028, 12.4964, "Europe/Rome"],
  ["Madrid", "ES", 3117735, "MD", "Madrid", 40.4168, -3.7038, "Europe/Madrid"],
  ["Barcelona", "ES", 3128760, "CT", "Catalonia", 41.3874, 2.1686, "Europe/Madrid"],
  ["Prague", "CZ", 3067696, "10", "Prague", 50.0755, 14.4378, "Europe/Prague"],
  ["Vienna", "AT", 2761369, "9", "Vienna", 48.2082, 16.3738, "Europe/Vienna"],
  ["Warsaw", "PL", 756135, "14", "Mazovia", 52.2297, 21.0122, "Europe/Warsaw"],
  ["Dublin", "IE", 2964574, "L", "Leinster", 53.3498, -6.2603, "Europe/Dublin"],
  ["Kyiv", "UA", 703448, "30", "Kyiv City", 50.4501, 30.5234, "Europe/Kyiv"],
  ["Oslo", "NO", 3143244, "03", "Oslo", 59.9139, 10.7522, "Europe/Oslo"],
  ["Stavanger", "NO", 3137115, "11", "Rogaland", 58.97, 5.7331, "Europe/Oslo"],
  ["Vilnius", "LT", 593116, "VL", "Vilnius County", 54.6872, 25.2797, "Europe/Vilnius"],
  ["Sofia", "BG", 727011, "22", "Sofia-Capital", 42.6977, 23.3219, "Europe/Sofia"],
  ["Bucharest", "RO", 683506, "B", "Bucharest", 44.4268, 26.1025, "Europe/Bucharest"],
  ["Brussels", "BE", 2800866, "BRU", "Brussels Capital", 50.8503, 4.3517, "Europe/Brussels"],
  ["Antwerp", "BE", 2803138, "VLG", "Flanders", 51.2194, 4.4025, "Europe/Brussels"],
  ["Copenhagen", "DK", 2618425, "84", "Capital Region", 55.6761, 12.5683, "Europe/Copenhagen"],
  ["Lisbon", "PT", 2267057, "11", "Lisbon", 38.7223, -9.1393, "Europe/Lisbon"],
  ["Budapest", "HU", 3054643, "BU", "Budapest", 47.4979, 19.0402, "Europe/Budapest"],
  ["Athens", "GR", 264371, "I", "Attica", 37.9838, 23.7275, "Europe/Athens"],
  // Americas, Africa
  ["São Paulo", "BR", 3448439, "SP", "São Paulo", -23.5505, -46.6333, "America/Sao_Paulo"],
  ["Buenos Aires", "AR", 3435910, "C", "Buenos Aires F.D.", -34.6037, -58.3816, "America/Argentina/Buenos_Aires"],
  ["Mexico City", "MX", 3530597, "CMX", "Mexico City", 19.4326, -99.1332, "America/Mexico_City"],
  ["Johannesburg", "ZA", 993800, "GP", "Gauteng", -26.2041, 28.0473, "Africa/Johannesburg"],
  ["Cape Town", "ZA", 3369157, "WC", "Western Cape", -33.9249, 18.4241, "Africa/Johannesburg"],
];

/** Cities by name (names are unique in this table). */
export const CITIES: ReadonlyMap<string, City> = new Map(
  ROWS.map(([name, country, geonameId, subIso, subName, latitude, longitude, timeZone]) => {
    const city: City = {
      name,
      country,
      latitude,
      longitude,
      timeZone,
      ...(geonameId === undefined ? {} : { geonameId }),
      ...(subIso === undefined || subName === undefined ? {} : { subdivision: { iso: subIso, name: subName } }),
    };
    return [name, city];
  }),
);

/** MaxMind's country-level placement (no city) for the few sites that real databases only know by country. */
export const COUNTRY_LEVEL: Readonly<
  Record<string, { readonly latitude: number; readonly longitude: number; readonly timeZone: string; readonly accuracyRadius: number }>
> = {
  US: { latitude: 37.751, longitude: -97.822, timeZone: "America/Chicago", accuracyRadius: 1000 },
  DE: { latitude: 51.2993, longitude: 9.491, timeZone: "Europe/Berlin", accuracyRadius: 200 },
};
