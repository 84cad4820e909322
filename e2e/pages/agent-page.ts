// /agents/<id>: services table, install form, perf charts and logs.
import { expect, type Locator, type Page } from "@playwright/test";

export type RangeId = "5m" | "1h" | "24h" | "7d" | "30d";

declare global {
  interface Window {
    __uploadPhases?: string[];
  }
}

export class AgentPage {
  readonly uploadCard: Locator;
  readonly uploadProgress: Locator;
  readonly uploadPhase: Locator;
  readonly uploadResult: Locator;
  readonly uploadError: Locator;
  readonly uploadErrorMessage: Locator;
  readonly uploadLogLines: Locator;
  readonly uploadPreviousRunning: Locator;
  readonly logsView: Locator;
  readonly logLines: Locator;
  readonly cpuChart: Locator;
  readonly memChart: Locator;
  readonly perfStatus: Locator;
  readonly perfError: Locator;

  constructor(private readonly page: Page) {
    this.uploadCard = page.getByTestId("upload-card");
    this.uploadProgress = page.getByTestId("upload-progress");
    this.uploadPhase = page.getByTestId("upload-phase");
    this.uploadResult = page.getByTestId("upload-result");
    this.uploadError = page.getByTestId("upload-error");
    this.uploadErrorMessage = page.getByTestId("upload-error-message");
    this.uploadLogLines = page.getByTestId("upload-log-lines");
    this.uploadPreviousRunning = page.getByTestId("upload-previous-running");
    this.logsView = page.getByTestId("logs-view");
    this.logLines = page.getByTestId("logs-lines");
    this.cpuChart = page.getByTestId("cpu-chart");
    this.memChart = page.getByTestId("mem-chart");
    this.perfStatus = page.getByTestId("perf-status");
    this.perfError = page.getByTestId("perf-error");
  }

  async open(agentId: string): Promise<void> {
    await this.page.goto(`/agents/${agentId}`);
    await expect(this.page.getByTestId("services-card")).toBeVisible();
  }

  serviceRow(name: string): Locator {
    return this.page.getByTestId(`service-row-${name}`);
  }

  serviceState(name: string): Locator {
    return this.page.getByTestId(`service-state-${name}`);
  }

  serviceVersion(name: string): Locator {
    return this.page.getByTestId(`service-version-${name}`);
  }

  /** Every control that changes a service (start/stop/restart/rollback/remove) in its row. */
  serviceWriteControls(name: string): Locator {
    return this.serviceRow(name).locator(
      ["start", "stop", "restart", "rollback", "remove"].map((k) => `[data-testid="service-${k}-${name}"]`).join(", "),
    );
  }

  /**
   * Fills the install form and submits it. Every phase the progress block shows on the way is
   * recorded (see phasesShown), so a spec can check the person saw the install proceed.
   */
  async installPackage(pkg: { fileName: string; zip: Buffer; name: string; healthSeconds?: number }): Promise<void> {
    await this.page.evaluate(() => {
      window.__uploadPhases = [];
      const seen = window.__uploadPhases;
      const record = () => {
        const phase = document.querySelector('[data-testid="upload-phase"]')?.getAttribute("data-phase");
        if (phase && seen.at(-1) !== phase) seen.push(phase);
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-phase"] });
    });
    await this.page.getByTestId("upload-file").setInputFiles({ name: pkg.fileName, mimeType: "application/zip", buffer: pkg.zip });
    await this.page.getByTestId("upload-name").fill(pkg.name);
    await this.page.getByTestId("upload-health").fill(pkg.healthSeconds === undefined ? "" : String(pkg.healthSeconds));
    await this.page.getByTestId("upload-submit").click();
  }

  /** The distinct install phases the progress block showed, in order, since installPackage. */
  phasesShown(): Promise<string[]> {
    return this.page.evaluate(() => window.__uploadPhases ?? []);
  }

  async showLogsOf(name: string): Promise<void> {
    await this.page.getByTestId(`service-logs-${name}`).click();
    await expect(this.page.getByTestId("logs-service")).toHaveValue(name);
  }

  async removeService(name: string): Promise<void> {
    await this.page.getByTestId(`service-remove-${name}`).click();
    // The open one: a remote machine's page also holds Remove machine's (closed) dialog.
    const dialog = this.page.locator('dialog[open][data-testid="confirm-dialog"]');
    await expect(dialog).toBeVisible();
    await dialog.getByTestId("confirm-ok").click();
  }

  async selectRange(range: RangeId): Promise<void> {
    await this.page.getByTestId(`range-${range}`).click();
    await expect(this.page.getByTestId(`range-${range}`)).toHaveAttribute("aria-pressed", "true");
  }

  /** Points the CPU chart holds now (its data-points attribute). */
  async cpuPointCount(): Promise<number> {
    return Number((await this.cpuChart.getAttribute("data-points")) ?? "0");
  }

  /** The drawn CPU line: the `d` of the chart's SVG curve ("" while nothing is drawn). */
  async cpuCurve(): Promise<string> {
    const curve = this.cpuChart.locator("path.recharts-area-curve").first();
    return (await curve.count()) ? ((await curve.getAttribute("d")) ?? "") : "";
  }
}
