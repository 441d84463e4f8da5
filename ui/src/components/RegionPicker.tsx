// A searchable list of AWS's commercial regions (the combobox pattern of WAI-ARIA 1.2: a
// text field that filters a list box). Typing "tokyo", "東京", "Frankfurt" or "eu-central-1"
// narrows the list; arrow keys move through it, Enter picks, Escape closes. A region whose
// prices are not catalogued is marked, since estimates there price nothing.
import { useEffect, useId, useMemo, useState } from "react";
import type { Backend } from "../backend";
import type { RegionChoice } from "../bindings/Api";
import { useT } from "../i18n";
import "./RegionPicker.css";

/** Text as the search compares it: NFKC (full-width to ASCII), lower case, no accents. */
export function searchable(text: string): string {
  return text.normalize("NFKC").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").normalize("NFC");
}

/** The regions matching every word of `query`, those named exactly or by a prefix first. */
export function filterRegions(regions: RegionChoice[], query: string): RegionChoice[] {
  const words = searchable(query).split(/\s+/).filter((word) => word !== "");
  if (words.length === 0) return regions;
  const whole = searchable(query.trim());
  const ranked = regions.flatMap((region) => {
    const names = [region.code, region.nameEn, region.nameJa, ...region.names].map(searchable);
    const haystack = names.join(" ");
    if (!words.every((word) => haystack.includes(word))) return [];
    const rank = names.includes(whole) ? 0 : names.some((name) => name.startsWith(whole)) ? 1 : 2;
    return [{ region, rank }];
  });
  return ranked.sort((a, b) => a.rank - b.rank).map((one) => one.region);
}

/** The regions from the backend (null until they arrive, or when they cannot be read). */
export function useRegions(backend: Backend): RegionChoice[] | null {
  const [regions, setRegions] = useState<RegionChoice[] | null>(null);
  useEffect(() => {
    let current = true;
    void backend.settingsRegions().then(
      (listed) => current && setRegions(listed),
      () => current && setRegions(null),
    );
    return () => {
      current = false;
    };
  }, [backend]);
  return regions;
}

export interface RegionPickerProps {
  /** The input's id (the field's label points at it). */
  id: string;
  /** Every region, or null while they load (the field then shows the code as it is). */
  regions: RegionChoice[] | null;
  /** The chosen region's code. */
  value: string;
  onChange: (code: string) => void;
  /** Ids of help text describing the field. */
  describedBy?: string;
}

export function RegionPicker({ id, regions, value, onChange, describedBy }: RegionPickerProps) {
  const t = useT();
  const japanese = t.locale === "ja";
  const listId = `${id}-list`;
  const countId = useId();
  const [query, setQuery] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);

  const all = useMemo(() => regions ?? [], [regions]);
  const chosen = all.find((region) => region.code === value) ?? null;
  const nameOf = (region: RegionChoice) => (japanese ? region.nameJa : region.nameEn);
  const display = chosen ? `${nameOf(chosen)} · ${chosen.code}` : value;
  const shown = useMemo(() => filterRegions(all, query ?? ""), [all, query]);
  const optionId = (index: number) => `${id}-option-${index}`;

  const openAt = (index: number) => {
    setOpen(true);
    setActive(Math.max(0, Math.min(index, shown.length - 1)));
  };
  const close = () => {
    setOpen(false);
    setQuery(null);
  };
  const choose = (region: RegionChoice) => {
    onChange(region.code);
    close();
  };

  // Keep the active option in view as the arrow keys move it.
  useEffect(() => {
    if (open) document.getElementById(optionId(active))?.scrollIntoView?.({ block: "nearest" });
  });

  return (
    <div className="region-picker" data-region={value} data-ready={regions !== null}>
      <div className="region-anchor">
        <input
          id={id}
          type="text"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={listId}
          aria-activedescendant={open && shown.length > 0 ? optionId(active) : undefined}
          aria-describedby={[describedBy, countId].filter(Boolean).join(" ")}
          autoComplete="off"
          spellCheck={false}
          placeholder={t("region.search")}
          value={query ?? display}
          onFocus={(event) => event.target.select()}
          onClick={() => !open && openAt(all.findIndex((region) => region.code === value))}
          onChange={(event) => {
            setQuery(event.target.value);
            setOpen(true);
            setActive(0);
          }}
          onBlur={close}
          onKeyDown={(event) => {
            if (event.key === "ArrowDown") {
              event.preventDefault();
              if (!open) openAt(query === null ? shown.findIndex((region) => region.code === value) : 0);
              else if (!event.altKey) setActive((index) => Math.min(index + 1, shown.length - 1));
            } else if (event.key === "ArrowUp") {
              event.preventDefault();
              if (event.altKey) close();
              else if (open) setActive((index) => Math.max(index - 1, 0));
            } else if (event.key === "Enter") {
              const picked = shown[active];
              if (open && picked) {
                // Picking is not submitting the form around the field.
                event.preventDefault();
                choose(picked);
              }
            } else if (event.key === "Escape") {
              if (open || query !== null) {
                event.preventDefault();
                close();
              }
            }
          }}
        />
        <span id={countId} className="visually-hidden" role="status">
          {open ? t("region.count", { count: shown.length }) : ""}
        </span>
        {open && (
          <div className="region-popup">
            <ul className="region-list" role="listbox" id={listId} aria-label={t("region.list")}>
              {shown.map((region, index) => (
                <li
                  key={region.code}
                  id={optionId(index)}
                  role="option"
                  aria-selected={region.code === value}
                  data-code={region.code}
                  data-active={index === active}
                  data-priced={region.priced}
                  onMouseDown={(event) => event.preventDefault()}
                  onMouseMove={() => setActive(index)}
                  onClick={() => choose(region)}
                >
                  <span className="region-name">{nameOf(region)}</span>
                  <span className="region-code">{region.code}</span>
                  <span className="region-other">{japanese ? region.nameEn : region.nameJa}</span>
                  {!region.priced && <span className="badge badge-muted region-unpriced">{t("region.unpriced")}</span>}
                </li>
              ))}
            </ul>
            {shown.length === 0 && <p className="region-none">{t("region.none", { query: query ?? "" })}</p>}
          </div>
        )}
      </div>
      {chosen && !chosen.priced && (
        <p className="help note" data-testid="region-unpriced-note">{t("region.unpricedChosen", { region: nameOf(chosen) })}</p>
      )}
    </div>
  );
}
