// Entry point of a simnet worker process: rebuilds the model from the config it is sent, serves its slice
// of peers, answers stats requests, and shuts down on "stop" or when the parent goes away.
import { startHost, type Host } from "./host.ts";
import { emptyStats } from "./conversation.ts";
import { processUsage, type FromWorker, type ToWorker } from "./ipc.ts";
import { SimnetModel } from "./model.ts";

function send(msg: FromWorker): void {
  process.send?.(msg);
}

let host: Host | undefined;
let stopping = false;

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await host?.close();
  send({ type: "stopped" });
  process.disconnect?.();
  process.exit(0);
}

if (process.send !== undefined) {
  process.on("message", (msg: ToWorker) => {
    switch (msg.type) {
      case "start":
        startHost(new SimnetModel(msg.config), msg.from, msg.to, msg.socketDir).then(
          (h) => {
            host = h;
            send({ type: "ready", listening: h.listening });
          },
          (err: unknown) => {
            send({ type: "error", message: err instanceof Error ? err.message : String(err) });
            process.exit(1);
          },
        );
        return;
      case "stats":
        send({ type: "stats", stats: { ...(host?.stats ?? emptyStats()) }, usage: processUsage() });
        return;
      case "prewarm":
        host?.prewarm();
        return;
      case "stop":
        void stop();
        return;
    }
  });
  process.on("disconnect", () => {
    // The parent died or let go of us: never outlive it.
    if (!stopping) void host?.close().finally(() => process.exit(0));
    if (!host) process.exit(0);
  });
  // Ctrl-C reaches the whole process group: the parent coordinates the shutdown, so a worker ignores SIGINT.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => void stop());
}
