// A field for a secret (an API key, a client secret): masked by default, with a button that
// shows or hides what was typed or pasted. The value lives only in the caller's state until
// it is saved; after that the caller empties it, and the field says the secret is stored in
// the OS keyring instead of showing it.
import { useEffect, useState, type ReactNode } from "react";
import { useT } from "../i18n";
import "./SecretField.css";

export interface SecretFieldProps {
  /** The input's id (its label points at it). */
  id: string;
  /** The visible label, e.g. "API key". */
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** A secret is kept in the keyring already: the empty field says so, and typing replaces it. */
  stored?: boolean;
  /** Help under the field. */
  help?: ReactNode;
  /** Called on Enter in the field (typically: save). */
  onEnter?: () => void;
  disabled?: boolean;
  /** Controls shown after the field on the same line (a Save button). */
  children?: ReactNode;
}

function EyeIcon({ crossed }: { crossed: boolean }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />
      <circle cx="12" cy="12" r="3" fill="none" stroke="currentColor" strokeWidth="1.8" />
      {crossed && <path d="M4 4l16 16" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />}
    </svg>
  );
}

export function SecretField({ id, label, value, onChange, stored = false, help, onEnter, disabled = false, children }: SecretFieldProps) {
  const t = useT();
  const [shown, setShown] = useState(false);
  // Once the secret is saved (the caller empties the field), it is masked again.
  useEffect(() => {
    if (value === "") setShown(false);
  }, [value]);
  const describedBy = [stored ? `${id}-stored` : null, help ? `${id}-help` : null].filter((one) => one !== null).join(" ");
  return (
    <div className="field secret-field" data-secret-field={id} data-stored={stored}>
      <label htmlFor={id}>{label}</label>
      <div className="secret-row">
        <div className="secret-input">
          <input
            id={id}
            type={shown ? "text" : "password"}
            value={value}
            disabled={disabled}
            autoComplete="off"
            autoCorrect="off"
            autoCapitalize="off"
            spellCheck={false}
            placeholder={stored ? t("secret.storedPlaceholder") : undefined}
            aria-describedby={describedBy === "" ? undefined : describedBy}
            onChange={(event) => onChange(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && onEnter) {
                event.preventDefault();
                onEnter();
              }
            }}
          />
          <button
            type="button"
            className="secret-toggle"
            aria-controls={id}
            aria-pressed={shown}
            aria-label={t("secret.show", { what: label })}
            title={shown ? t("secret.hideTitle") : t("secret.showTitle")}
            disabled={disabled}
            onClick={() => setShown((current) => !current)}
          >
            <EyeIcon crossed={shown} />
          </button>
        </div>
        {children}
      </div>
      {stored && (
        <p className="help secret-stored" id={`${id}-stored`}>
          <svg className="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M7 11V8a5 5 0 0 1 10 0v3M5 11h14v9H5z" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />
          </svg>
          {t("secret.stored")}
        </p>
      )}
      {help && <p className="help" id={`${id}-help`}>{help}</p>}
    </div>
  );
}
