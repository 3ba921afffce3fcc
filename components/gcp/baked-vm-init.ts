import * as pulumi from "@pulumi/pulumi";
import { BAKED } from "../bake";
import { DatabaseSpec } from "../config/validate";
import { BAKED_AGE_METRIC } from "./monitoring";
import { gcpOf, labelValue } from "./naming";

/**
 * cloud-init for a baked-replica VM on Container-Optimized OS: one systemd unit runs the baked image
 * (the data is in the image: no volume, no restore at boot), a timer reports the age of the dump the
 * replica serves as a custom metric, which the staleness alert watches. COS keeps /etc and the root
 * filesystem read-only or ephemeral, so state (docker credentials) goes under /var/lib/dbplace.
 */
export function bakedReplicaCloudInit(spec: DatabaseSpec, image: pulumi.Input<string>): pulumi.Output<string> {
    const { region } = gcpOf(spec);
    const stack = labelValue(pulumi.getStack());
    const ageQuery = BAKED.ageQuery.replace(/"/g, '\\"');
    return pulumi.output(image).apply((ref) => `#cloud-config
write_files:
- path: /etc/systemd/system/dbplace-replica.service
  permissions: "0644"
  content: |
    [Unit]
    Description=dbplace baked read replica (${spec.name})
    Wants=network-online.target
    After=network-online.target docker.service
    [Service]
    Environment=HOME=/var/lib/dbplace
    ExecStartPre=/bin/mkdir -p /var/lib/dbplace
    ExecStartPre=/usr/bin/docker-credential-gcr configure-docker --registries=${region}-docker.pkg.dev
    ExecStartPre=-/usr/bin/docker rm -f dbplace-replica
    ExecStart=/usr/bin/docker run --rm --name dbplace-replica --log-driver=gcplogs -p ${BAKED.port}:${BAKED.port} ${ref}
    ExecStop=/usr/bin/docker stop -t 15 dbplace-replica
    Restart=always
    RestartSec=5
    [Install]
    WantedBy=multi-user.target
- path: /var/lib/dbplace/report-age.sh
  permissions: "0755"
  content: |
    #!/bin/bash
    # Seconds since the dump this replica serves was taken, as ${BAKED_AGE_METRIC}.
    set -euo pipefail
    age=$(docker exec dbplace-replica psql -h 127.0.0.1 -p ${BAKED.port} -U ${BAKED.readerRole} -d ${spec.databaseName} -XAtq -c "${ageQuery}")
    md() { curl -fsS -H Metadata-Flavor:Google "http://metadata.google.internal/computeMetadata/v1/$1"; }
    token=$(md instance/service-accounts/default/token | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')
    project=$(md project/project-id); id=$(md instance/id); zone=$(md instance/zone); zone=\${zone##*/}
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    curl -fsS -X POST -H "Authorization: Bearer $token" -H "Content-Type: application/json" \\
      "https://monitoring.googleapis.com/v3/projects/$project/timeSeries" \\
      -d "{\\"timeSeries\\":[{\\"metric\\":{\\"type\\":\\"${BAKED_AGE_METRIC}\\",\\"labels\\":{\\"database\\":\\"${spec.name}\\",\\"stack\\":\\"${stack}\\"}},\\"resource\\":{\\"type\\":\\"gce_instance\\",\\"labels\\":{\\"project_id\\":\\"$project\\",\\"instance_id\\":\\"$id\\",\\"zone\\":\\"$zone\\"}},\\"points\\":[{\\"interval\\":{\\"endTime\\":\\"$now\\"},\\"value\\":{\\"int64Value\\":\\"$age\\"}}]}]}"
- path: /etc/systemd/system/dbplace-age.service
  permissions: "0644"
  content: |
    [Unit]
    Description=Report the baked data age of ${spec.name}
    [Service]
    Type=oneshot
    ExecStart=/bin/bash /var/lib/dbplace/report-age.sh
- path: /etc/systemd/system/dbplace-age.timer
  permissions: "0644"
  content: |
    [Unit]
    Description=Report the baked data age every minute
    [Timer]
    OnBootSec=2min
    OnUnitActiveSec=60s
    [Install]
    WantedBy=timers.target
runcmd:
- systemctl daemon-reload
- systemctl start dbplace-replica.service dbplace-age.timer
`);
}
