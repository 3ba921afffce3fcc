import { evaluateStacks } from "./lib/compare/collect";
import { listStacks } from "./lib/stacks";
const want = /CronJob|dlm|resourcePolicy|rds\/instance|databaseInstance|bucket:Bucket$|BucketLifecycle|StatefulSet|ebs\/volume|compute\/disk|autoscaling\/group|launchTemplate|regionInstanceGroupManager|instanceTemplate|regionAutoscaler|vpcEndpoint/;
(async () => {
  const evals = await evaluateStacks(process.argv.slice(2).length ? process.argv.slice(2) : listStacks());
  for (const e of evals) for (const r of e.resources) if (want.test(r.type)) console.log(e.stack, r.type, r.name, JSON.stringify(r.inputs).slice(0, 1500));
  process.exit(0);
})();
