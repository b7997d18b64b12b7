import { useTranslation } from 'react-i18next';

const BROWSERS: readonly [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrom(e|ium)\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: readonly [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iOS/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/** "Chrome on Linux" for a browser's User-Agent; the agent itself (shortened) for anything else. */
export function useDeviceName(): (userAgent: string | null | undefined) => string {
  const { t } = useTranslation();
  return (userAgent) => {
    const agent = userAgent ?? '';
    if (!agent) return t('security.sessions.unknownDevice');
    const browser = BROWSERS.find(([pattern]) => pattern.test(agent))?.[1];
    const os = SYSTEMS.find(([pattern]) => pattern.test(agent))?.[1];
    if (browser && os) return t('security.sessions.deviceName', { browser, os });
    return agent.length > 60 ? `${agent.slice(0, 57)}…` : agent;
  };
}
