import type { IconName } from './receipts/format.js';

/** Line icons drawn after Lucide's shapes (ISC); decorative, so hidden from assistive technology. */
const PATHS: Record<IconName | 'shield-check' | 'shield' | 'copy' | 'close' | 'plus' | 'archive', string[]> = {
  message: ['M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z'],
  retrieval: ['M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16z', 'm21 21-4.3-4.3'],
  inference: [
    'M6 6h12v12H6z',
    'M9 9h6v6H9z',
    'M9 2v4',
    'M15 2v4',
    'M9 18v4',
    'M15 18v4',
    'M2 9h4',
    'M2 15h4',
    'M18 9h4',
    'M18 15h4',
  ],
  skill: [
    'M19.44 12.85a2.5 2.5 0 1 0-2.29-4.35L16 7.5V5a1 1 0 0 0-1-1h-2.5l-1-1.15a2.5 2.5 0 1 0-4.35 2.29L8 6H5a1 1 0 0 0-1 1v3l1.15 1a2.5 2.5 0 1 1 0 4.35L4 16.5V19a1 1 0 0 0 1 1h3l1-1.15a2.5 2.5 0 1 1 4.35 0L14.5 20H17a1 1 0 0 0 1-1v-2.5z',
  ],
  audit: [
    'M20 13c0 5-3.5 7.5-7.66 8.95a1 1 0 0 1-.67-.01C7.5 20.5 4 18 4 13V6a1 1 0 0 1 1-1c2 0 4.5-1.2 6.24-2.72a1.17 1.17 0 0 1 1.52 0C14.51 3.81 17 5 19 5a1 1 0 0 1 1 1z',
  ],
  error: ['m21.73 18-8-14a2 2 0 0 0-3.48 0l-8 14A2 2 0 0 0 4 21h16a2 2 0 0 0 1.73-3', 'M12 9v4', 'M12 17h.01'],
  dot: ['M12 13a1 1 0 1 0 0-2 1 1 0 0 0 0 2z'],
  'shield-check': [
    'M20 13c0 5-3.5 7.5-7.66 8.95a1 1 0 0 1-.67-.01C7.5 20.5 4 18 4 13V6a1 1 0 0 1 1-1c2 0 4.5-1.2 6.24-2.72a1.17 1.17 0 0 1 1.52 0C14.51 3.81 17 5 19 5a1 1 0 0 1 1 1z',
    'm9 12 2 2 4-4',
  ],
  shield: [
    'M20 13c0 5-3.5 7.5-7.66 8.95a1 1 0 0 1-.67-.01C7.5 20.5 4 18 4 13V6a1 1 0 0 1 1-1c2 0 4.5-1.2 6.24-2.72a1.17 1.17 0 0 1 1.52 0C14.51 3.81 17 5 19 5a1 1 0 0 1 1 1z',
  ],
  copy: ['M8 8h12v12H8z', 'M4 16V6a2 2 0 0 1 2-2h10'],
  close: ['M18 6 6 18', 'm6 6 12 12'],
  plus: ['M12 5v14', 'M5 12h14'],
  archive: ['M3 4h18v4H3z', 'M5 8v11a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8', 'M10 12h4'],
};

export type IconKind = keyof typeof PATHS;

export function Icon({ name, class: className = '' }: { name: IconKind; class?: string }) {
  return (
    <svg
      class={`icon ${className}`}
      viewBox="0 0 24 24"
      width="16"
      height="16"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {PATHS[name].map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  );
}
