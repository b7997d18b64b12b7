import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import core from './locales/en.json';

type Strings = Record<string, unknown>;

// Each feature keeps its strings in locales/en/<feature>.json under its own top-level keys; a key
// defined twice is a mistake this catches at start-up (and in every unit test).
const features = import.meta.glob<Strings>('./locales/en/*.json', { eager: true, import: 'default' });

function merged(): Strings {
  const all: Strings = { ...core };
  for (const [file, strings] of Object.entries(features)) {
    for (const [key, value] of Object.entries(strings)) {
      if (key in all) throw new Error(`i18n: ${file} redefines the top-level key "${key}"`);
      all[key] = value;
    }
  }
  return all;
}

export const resources = { en: { translation: merged() } } as const;

void i18n.use(initReactI18next).init({
  resources,
  lng: 'en',
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

export default i18n;
