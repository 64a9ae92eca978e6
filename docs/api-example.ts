import { CrawlDatabase } from "fluxture";

const db = await CrawlDatabase.open("data");
try {
  // Every run in the folder, oldest first; the views read only sealed (succeeded) runs.
  const runs = await db.runs();
  console.log(`${runs.length} runs, ${runs.filter((r) => r.sealed).length} sealed`);

  // The nodes of one run, streamed in batches (leave `run` out for the newest sealed run).
  const run = runs.find((r) => r.sealed)?.run_id;
  for await (const node of db.nodes({ run, reachableOnly: true })) {
    const location = await node.getLocation(); // its geo row in that run, or null
    const version = await node.getVersion(); // what its version message said, or null
    const latest = await node.getLatestEdges(); // what it advertised in the newest sealed run that got its getaddr reply
    console.log(
      `${node} ${node.outcome} ${location?.country_code ?? "??"} AS${location?.asn ?? "?"} ${version?.user_agent ?? "-"}`,
      latest ? `advertised ${latest.edges.length} in ${latest.run_id}` : "never answered getaddr",
    );
  }

  // Any SQL over the views and marts (sql/): here, the Nakamoto coefficient per run.
  const rows = await db.query<{ run_id: string; dimension: string; nakamoto: number }>(
    "select run_id, dimension, nakamoto_coefficient::integer as nakamoto from mart_concentration order by started_at, dimension",
  );
  for (const r of rows) console.log(r.run_id, r.dimension, r.nakamoto);
} finally {
  await db.close();
}
