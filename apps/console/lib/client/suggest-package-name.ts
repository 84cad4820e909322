// A name suggestion from the chosen file that already follows the package-name rule:
// "my-app_1.2.zip" → "myapp12". The person can still change it.
export function suggestPackageName(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, "").replace(/\.zip$/i, "");
  return base.replace(/[^A-Za-z0-9]/g, "").slice(0, 64);
}
