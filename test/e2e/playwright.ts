// The small part of playwright-core's API the e2e tests use, typed locally: playwright-core lives in .harness/
// (tools/e2e-setup.sh), outside the project's dependencies, so `tsc -p .` must not need it. Loaded at run time only.
import * as fs from 'fs';
import * as path from 'path';
import { harnessDir } from './paths';

export interface LocatorOptions { hasText?: string | RegExp; has?: Locator; hasNot?: Locator; hasNotText?: string | RegExp }
export interface WaitOptions { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeout?: number }
export interface ClickOptions { timeout?: number; button?: 'left' | 'right' | 'middle'; force?: boolean; position?: { x: number; y: number } }

export interface Locator {
  locator(selector: string, options?: LocatorOptions): Locator;
  getByText(text: string | RegExp, options?: { exact?: boolean }): Locator;
  filter(options: LocatorOptions): Locator;
  first(): Locator;
  last(): Locator;
  nth(index: number): Locator;
  count(): Promise<number>;
  click(options?: ClickOptions): Promise<void>;
  dblclick(options?: ClickOptions): Promise<void>;
  hover(options?: { timeout?: number }): Promise<void>;
  fill(value: string, options?: { timeout?: number }): Promise<void>;
  press(key: string, options?: { timeout?: number }): Promise<void>;
  waitFor(options?: WaitOptions): Promise<void>;
  isVisible(): Promise<boolean>;
  boundingBox(options?: { timeout?: number }): Promise<{ x: number; y: number; width: number; height: number } | null>;
  innerText(options?: { timeout?: number }): Promise<string>;
  allInnerTexts(): Promise<string[]>;
  getAttribute(name: string, options?: { timeout?: number }): Promise<string | null>;
  inputValue(options?: { timeout?: number }): Promise<string>;
  focus(options?: { timeout?: number }): Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  evaluateAll<R>(fn: (elements: any[]) => R): Promise<R>;
}

/** A frame inside the page (a webview's iframe), addressed by selector. */
export interface FrameLocator {
  frameLocator(selector: string): FrameLocator;
  locator(selector: string, options?: LocatorOptions): Locator;
  first(): FrameLocator;
  last(): FrameLocator;
}

export interface ConsoleMessage { text(): string; type(): string }

export interface Page extends Pick<Locator, 'locator' | 'getByText'> {
  goto(url: string, options?: { timeout?: number; waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' | 'commit' }): Promise<unknown>;
  keyboard: { press(key: string): Promise<void>; type(text: string): Promise<void> };
  mouse: {
    wheel(deltaX: number, deltaY: number): Promise<void>;
    move(x: number, y: number, options?: { steps?: number }): Promise<void>;
    down(): Promise<void>;
    up(): Promise<void>;
  };
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  exposeFunction(name: string, fn: (...args: any[]) => unknown): Promise<void>;
  on(event: 'console', listener: (message: ConsoleMessage) => void): Page;
  on(event: 'pageerror', listener: (error: Error) => void): Page;
  waitForTimeout(ms: number): Promise<void>;
  frameLocator(selector: string): FrameLocator;
  close(): Promise<void>;
}

/** A Chrome DevTools Protocol session on a page (the latency bench's CPU profile of the workbench). */
export interface CDPSession { send(method: string, params?: Record<string, unknown>): Promise<any> }

export interface BrowserContext {
  newPage(): Promise<Page>;
  newCDPSession(page: Page): Promise<CDPSession>;
  pages(): Page[];
  close(): Promise<void>;
}

export interface LaunchPersistentOptions {
  executablePath?: string;
  args?: string[];
  headless?: boolean;
  viewport?: { width: number; height: number } | null;
  timeout?: number;
  env?: Record<string, string | undefined>;
}

export interface Playwright {
  chromium: { launchPersistentContext(userDataDir: string, options: LaunchPersistentOptions): Promise<BrowserContext> };
}

export function loadPlaywright(): Playwright {
  const dir = path.join(harnessDir(), 'node_modules', 'playwright-core');
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    throw new Error(`playwright-core is not installed in ${path.dirname(dir)}: run tools/e2e-setup.sh`);
  }
  return require(dir) as Playwright;
}
