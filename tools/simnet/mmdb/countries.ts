// Continents and countries the simnet geography uses, with GeoNames ids as MaxMind's City databases carry them.

/** A continent as MaxMind records it. */
export interface Continent {
  readonly code: string;
  readonly geonameId: number;
  readonly name: string;
}

/** A country as MaxMind records it, plus its share of the simulated network's reachable nodes (percent). */
export interface Country {
  readonly iso: string;
  readonly geonameId: number;
  readonly name: string;
  readonly continent: string;
  readonly inEu: boolean;
  /** Share of nodes, in percent before normalisation; roughly the real network's reachable IPv4/IPv6 mix. */
  readonly share: number;
}

/** The seven continents by MaxMind code. */
export const CONTINENTS: Readonly<Record<string, Continent>> = {
  AF: { code: "AF", geonameId: 6255146, name: "Africa" },
  AS: { code: "AS", geonameId: 6255147, name: "Asia" },
  EU: { code: "EU", geonameId: 6255148, name: "Europe" },
  NA: { code: "NA", geonameId: 6255149, name: "North America" },
  SA: { code: "SA", geonameId: 6255150, name: "South America" },
  OC: { code: "OC", geonameId: 6255151, name: "Oceania" },
  AN: { code: "AN", geonameId: 6255152, name: "Antarctica" },
};

const c = (iso: string, geonameId: number, name: string, continent: string, inEu: boolean, share: number): Country => ({
  iso,
  geonameId,
  name,
  continent,
  inEu,
  share,
});

/** Countries in descending share, like the real network's reachable nodes (US, DE, FR, NL, CA, GB, FI, …). */
export const COUNTRIES: readonly Country[] = [
  c("US", 6252001, "United States", "NA", false, 28),
  c("DE", 2921044, "Germany", "EU", true, 18),
  c("FR", 3017382, "France", "EU", true, 7),
  c("NL", 2750405, "Netherlands", "EU", true, 6),
  c("CA", 6251999, "Canada", "NA", false, 4),
  c("GB", 2635167, "United Kingdom", "EU", false, 4),
  c("FI", 660013, "Finland", "EU", true, 3),
  c("SG", 1880251, "Singapore", "AS", false, 2.5),
  c("CH", 2658434, "Switzerland", "EU", false, 2.5),
  c("RU", 2017370, "Russia", "EU", false, 2.3),
  c("JP", 1861060, "Japan", "AS", false, 2),
  c("AU", 2077456, "Australia", "OC", false, 1.5),
  c("SE", 2661886, "Sweden", "EU", true, 1.2),
  c("IT", 3175395, "Italy", "EU", true, 1.1),
  c("ES", 2510769, "Spain", "EU", true, 1),
  c("CZ", 3077311, "Czechia", "EU", true, 1),
  c("AT", 2782113, "Austria", "EU", true, 0.9),
  c("PL", 798544, "Poland", "EU", true, 0.9),
  c("BR", 3469034, "Brazil", "SA", false, 0.8),
  c("IE", 2963597, "Ireland", "EU", true, 0.7),
  c("HK", 1819730, "Hong Kong", "AS", false, 0.7),
  c("UA", 690791, "Ukraine", "EU", false, 0.6),
  c("NO", 3144096, "Norway", "EU", false, 0.6),
  c("LT", 597427, "Lithuania", "EU", true, 0.5),
  c("BG", 732800, "Bulgaria", "EU", true, 0.5),
  c("RO", 798549, "Romania", "EU", true, 0.5),
  c("BE", 2802361, "Belgium", "EU", true, 0.5),
  c("DK", 2623032, "Denmark", "EU", true, 0.4),
  c("KR", 1835841, "South Korea", "AS", false, 0.4),
  c("IN", 1269750, "India", "AS", false, 0.4),
  c("CN", 1814991, "China", "AS", false, 0.4),
  c("ZA", 953987, "South Africa", "AF", false, 0.3),
  c("TW", 1668284, "Taiwan", "AS", false, 0.3),
  c("AR", 3865483, "Argentina", "SA", false, 0.3),
  c("MX", 3996063, "Mexico", "NA", false, 0.3),
  c("IL", 294640, "Israel", "AS", false, 0.3),
  c("NZ", 2186224, "New Zealand", "OC", false, 0.3),
  c("TR", 298795, "Türkiye", "AS", false, 0.3),
  c("PT", 2264397, "Portugal", "EU", true, 0.3),
  c("HU", 719819, "Hungary", "EU", true, 0.3),
  c("GR", 390903, "Greece", "EU", true, 0.2),
  c("TH", 1605651, "Thailand", "AS", false, 0.2),
  c("VN", 1562822, "Vietnam", "AS", false, 0.2),
  c("ID", 1643084, "Indonesia", "AS", false, 0.2),
  c("MY", 1733045, "Malaysia", "AS", false, 0.2),
];

/** Countries by ISO code. */
export const COUNTRY_BY_ISO: ReadonlyMap<string, Country> = new Map(COUNTRIES.map((x) => [x.iso, x]));
