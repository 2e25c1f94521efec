import { existsSync } from 'node:fs';
export const CHROMIUM_PATH = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
/**
 * Tests that need an outside service skip on a developer machine that lacks it, but under CI=true
 * a missing service is a failure: .ci/run installs and starts them, so absence means CI is broken.
 */
export function requireService(name, available) {
    if (available)
        return true;
    if (process.env.CI === 'true' || process.env.CI === '1') {
        throw new Error(`${name} is required under CI=true but is not available`);
    }
    return false;
}
export const hasChromium = () => requireService(`Chromium at ${CHROMIUM_PATH}`, existsSync(CHROMIUM_PATH));
export const CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
];
