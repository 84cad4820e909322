import { expect, type Locator, type Page } from "@playwright/test";

export class LoginPage {
  readonly error: Locator;

  constructor(private readonly page: Page) {
    this.error = page.getByTestId("login-error");
  }

  async open(): Promise<void> {
    await this.page.goto("/login");
    await expect(this.page.getByTestId("login-form")).toBeVisible();
  }

  async logIn(username: string, password: string): Promise<void> {
    await this.page.getByTestId("login-username").fill(username);
    await this.page.getByTestId("login-password").fill(password);
    await this.page.getByTestId("login-submit").click();
  }

  async expectShown(): Promise<void> {
    await expect(this.page).toHaveURL(/\/login(\?|$)/);
    await expect(this.page.getByTestId("login-form")).toBeVisible();
  }
}
