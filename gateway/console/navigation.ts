/** The console's navigation, and what every page handler is given. */
import type { AuditScope } from '../audit/gate.js';
import type { ConsoleSession } from './sessions.js';

/** What a page handler has: the signed-in officer, their scope and the console's parts. */
export interface PageContext {
  session: ConsoleSession;
  scope: AuditScope;
  requestId: string;
}

const NAVIGATION = [
  { href: '/console', text: 'Dashboard' },
  { href: '/console/people', text: 'Find a person' },
  { href: '/console/disclosures', text: 'Disclosures' },
  { href: '/console/alerts', text: 'Alerts' },
  { href: '/console/integrity', text: 'Integrity' },
  { href: '/console/isp', text: 'ISP' },
];

export function navigationFor(path: string) {
  return NAVIGATION.map((item) => ({
    ...item,
    active: item.href === '/console' ? path === '/console' || path === '/console/' : path.startsWith(item.href),
  }));
}
