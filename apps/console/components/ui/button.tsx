import type { ButtonHTMLAttributes } from "react";

type Variant = "default" | "primary" | "danger" | "ghost";

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  size?: "md" | "sm";
}

/** The one button: variants map to the design system's .btn classes. */
export function Button({ variant = "default", size = "md", className, type = "button", ...rest }: ButtonProps) {
  const classes = ["btn", variant !== "default" && `btn-${variant}`, size === "sm" && "btn-sm", className].filter(Boolean).join(" ");
  return <button type={type} className={classes} {...rest} />;
}
