import { expect, type Locator, type Page } from "@playwright/test";

export class FleetPage {
  constructor(private readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto("/");
    await this.expectShown();
  }

  async expectShown(): Promise<void> {
    await expect(this.page).toHaveURL(/\/$/);
    await expect(this.page.getByTestId("fleet-grid")).toBeVisible();
  }

  agentCard(agentId: string): Locator {
    return this.page.getByTestId(`fleet-agent-${agentId}`);
  }

  async expectSignedInAs(username: string, role: string): Promise<void> {
    await expect(this.page.getByTestId("current-user")).toHaveText(username);
    await expect(this.page.getByTestId("current-role")).toHaveText(role);
  }

  async openAgent(agentId: string): Promise<void> {
    await this.agentCard(agentId).click();
    await expect(this.page).toHaveURL(new RegExp(`/agents/${agentId}$`));
  }

  async logOut(): Promise<void> {
    await this.page.getByTestId("logout").click();
  }
}
