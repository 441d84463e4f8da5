// The Chat page's choice of who answers the open conversation: this computer's agent, or a
// remote agent from the config file (`[agents.NAME]`, added on the Connections page). Each
// conversation keeps its own choice.
import { useT } from "../i18n";
import "./RemoteAgents.css";

export function ChatAgentPicker({
  agents,
  current,
  disabled,
  onPick,
}: {
  /** The configured remote agents' names. */
  agents: string[];
  /** The open conversation's remote agent; null for this computer's. */
  current: string | null;
  disabled: boolean;
  onPick: (agent: string | null) => void;
}) {
  const t = useT();
  // A conversation with an agent removed since still shows whom it talked to.
  const removed = current !== null && !agents.includes(current);
  return (
    <div className="agent-picker">
      <label htmlFor="chat-agent">{t("agents.picker.label")}</label>
      <select
        id="chat-agent"
        value={current ?? ""}
        disabled={disabled}
        aria-describedby={agents.length === 0 ? "chat-agent-help" : undefined}
        onChange={(event) => onPick(event.target.value === "" ? null : event.target.value)}
      >
        <option value="">{t("agents.picker.local")}</option>
        {agents.map((name) => <option key={name} value={name}>{name}</option>)}
        {removed && <option value={current}>{t("agents.picker.removed", { name: current })}</option>}
      </select>
      {agents.length === 0 && <span id="chat-agent-help" className="visually-hidden">{t("agents.picker.none")}</span>}
    </div>
  );
}
