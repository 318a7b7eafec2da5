/**
 * IP address and CIDR range checks shared by the firewall and resource policies. Internal.
 */
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\/(?:3[0-2]|[12]?\d))?$/;
const IPV6 = /^(?=.*:)[0-9A-Fa-f:]{2,39}(?:\/(?:12[0-8]|1[01]\d|[1-9]?\d))?$/;

/** 'IPV4', 'IPV6' or undefined for anything else. */
export function ipVersionOf(range: string): 'IPV4' | 'IPV6' | undefined {
  if (IPV4.test(range)) return 'IPV4';
  if (IPV6.test(range) && (range.match(/::/g) ?? []).length <= 1) return 'IPV6';
  return undefined;
}
