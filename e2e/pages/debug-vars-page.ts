// /agents/<id>/vars: the agent's /debug/vars JSON as a collapsible tree.
import { expect, type Locator, type Page } from "@playwright/test";

export class DebugVarsPage {
  readonly tree: Locator;
  readonly error: Locator;

  constructor(private readonly page: Page) {
    this.tree = page.getByTestId("debug-vars");
    this.error = page.getByTestId("debug-vars-error");
  }

  /** Follows the agent page's "Debug vars" link, as a person would. */
  async openFromAgentPage(agentId: string): Promise<void> {
    await this.page.goto(`/agents/${agentId}`);
    await this.page.getByTestId("agent-debug-vars-link").click();
    await expect(this.page).toHaveURL(new RegExp(`/agents/${agentId}/vars$`));
    await expect(this.tree).toBeVisible();
  }

  async expandAll(): Promise<void> {
    await this.page.getByTestId("debug-vars-expand").click();
  }

  /** The node for a JSON path such as `$.cmdline` or `$.agent.dataDir`. */
  node(path: string): Locator {
    return this.tree.locator(`[data-json-path="${path}"]`);
  }
}
