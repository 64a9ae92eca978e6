// lib/ip: the one IP parser (parse.ts), text formatting (text.ts), CIDR ranges (cidr.ts) and the one
// special-purpose range table with its `dialable` and `geo_scope` columns (special.ts).
export { CidrError, cidrContains, parseCidr, prefixMatches, type Cidr } from "./cidr.ts";
export { isV4Mapped, parseIp, parseIPv4, parseIPv4Value, parseIPv6, parseIPv6Into, type IpAddress } from "./parse.ts";
export { ipv4Scope, ipv6Scope, SPECIAL_RANGES, specialRangeOf, UNDIALABLE_CIDRS, type IpScope, type SpecialRange } from "./special.ts";
export { ipv4Text, ipv6Text } from "./text.ts";
