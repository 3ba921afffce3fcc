#!/bin/bash
# Stand-in for Google's Ops Agent installer: with --also-install, a service that checks its config parses.
set -euo pipefail
printf 'add-google-cloud-ops-agent-repo.sh\t%s\n' "$*" >> /fakecloud/calls.log
[[ " $* " == *" --also-install "* ]] || exit 0
cat > /etc/systemd/system/google-cloud-ops-agent.service <<'UNIT'
[Unit]
Description=Google Cloud Ops Agent (stand-in)
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/test -s /etc/google-cloud-ops-agent/config.yaml
ExecStart=/usr/local/bin/fakecloud-record google-cloud-ops-agent started
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable google-cloud-ops-agent
