/**
 * Shell shared by the AWS and GCP MySQL VM scripts. The clouds install Oracle's MySQL 8 (Ubuntu's
 * mysql-server-8.0 on AWS, repo.mysql.com on GCP's Debian 12); Debian itself only packages MariaDB,
 * which is what the VM test tier (tests/vm/mysql-boot.vm.ts) boots these lines with. So the lines
 * decide the server's flavour on the host and keep every MySQL-8-only statement behind
 * `MYSQL_FLAVOR = mysql`: those are written from MySQL's manual and never run on this machine.
 *
 * Variables set by flavourLines: MYSQL_FLAVOR (mysql|mariadb), MYSQL_SVC (the systemd unit: Debian's
 * mariadb.service has mysql.service only as an alias, which `systemctl enable` refuses), MYSQL_CNF_DIR
 * (the directory the package's my.cnf reads last: Debian's MariaDB does not read mysql.conf.d).
 */
export function flavourLines(): string[] {
    return [
        "if [ -x /usr/sbin/mariadbd ]; then",
        "  MYSQL_FLAVOR=mariadb; MYSQL_SVC=mariadb; MYSQL_CNF_DIR=/etc/mysql/mariadb.conf.d",
        "else",
        "  MYSQL_FLAVOR=mysql; MYSQL_SVC=mysql; MYSQL_CNF_DIR=/etc/mysql/mysql.conf.d",
        "fi",
        'install -d "$MYSQL_CNF_DIR"',
    ];
}

/**
 * A data directory without the system schema (a blank data disk under a bind mount, or a package
 * installed before the disk was mounted) is initialised in place, with root authenticated only by the
 * Unix socket: no root password exists, so root cannot log in over the network.
 * MySQL 8 (unverified here): --initialize-insecure leaves root@localhost password-less until
 * rootSocketOnlySql switches it to auth_socket later in the same boot; an account at `localhost`
 * only ever matches connections from the VM itself.
 */
export function initialiseLines(datadir: string): string[] {
    return [
        `if [ ! -d "${datadir}/mysql" ]; then`,
        '  systemctl stop "$MYSQL_SVC" || true',
        `  install -d -o mysql -g mysql -m 750 "${datadir}"`,
        '  if [ "$MYSQL_FLAVOR" = mariadb ]; then',
        `    mariadb-install-db --user=mysql --datadir="${datadir}" --skip-test-db --auth-root-authentication-method=socket >/dev/null`,
        "  else",
        `    mysqld --initialize-insecure --user=mysql --datadir="${datadir}"`,
        "  fi",
        "fi",
    ];
}

/**
 * The server certificate: generated once on the data disk, next to the data (AppArmor's profile for
 * Ubuntu's mysqld reads only its data directory and /etc/mysql), with the private address as its
 * subject alternative name so clients can verify it. MariaDB generates none; MySQL 8's automatic one
 * names no address.
 */
export function certificateLines(datadir: string): string[] {
    return [
        `if [ ! -s "${datadir}/dbplace-server.crt" ]; then`,
        `  openssl req -new -x509 -days 3650 -nodes -newkey rsa:2048 -subj "/CN=$PRIVATE_IP" -addext "subjectAltName=IP:$PRIVATE_IP" -keyout "${datadir}/dbplace-server.key" -out "${datadir}/dbplace-server.crt" 2>/dev/null`,
        `  chown mysql:mysql "${datadir}/dbplace-server."*; chmod 600 "${datadir}/dbplace-server.key"`,
        "fi",
    ];
}

/** [mysqld] options both flavours accept: TLS required for every TCP client, the certificate above. */
export function tlsOptions(datadir: string): string[] {
    return [
        "require_secure_transport = ON",
        "tls_version = TLSv1.2,TLSv1.3",
        `ssl_cert = ${datadir}/dbplace-server.crt`,
        `ssl_key = ${datadir}/dbplace-server.key`,
    ];
}

/**
 * Options only MySQL 8 knows (MariaDB refuses to start on an unknown option), written to a second file
 * only when the flavour is mysql. Unverified here. mysqlx = OFF: the X Protocol listens on 33060 on
 * every address by default, outside bind-address.
 */
export function mysqlOnlyOptionLines(options: string[]): string[] {
    return [
        'if [ "$MYSQL_FLAVOR" = mysql ]; then',
        `  printf '%s\\n' ${["[mysqld]", "mysqlx = OFF", ...options].map((o) => `'${o}'`).join(" ")} > "$MYSQL_CNF_DIR/zz-dbplace-mysql8.cnf"`,
        "else",
        '  rm -f "$MYSQL_CNF_DIR/zz-dbplace-mysql8.cnf"',
        "fi",
    ];
}

/**
 * SQL (for `mysql` as root over the socket, in an unquoted heredoc) that leaves root socket-only and
 * drops the accounts an initialisation may leave: anonymous users and root at network hosts.
 * MariaDB: unix_socket (verified); MySQL 8: auth_socket (unverified here).
 */
export function rootSocketOnlySql(): string[] {
    return [
        "DROP USER IF EXISTS ''@'localhost', ''@'$(hostname)', 'root'@'127.0.0.1', 'root'@'::1', 'root'@'%', 'root'@'$(hostname)';",
        "$([ \"$MYSQL_FLAVOR\" = mariadb ] && echo \"ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket;\" || echo \"ALTER USER 'root'@'localhost' IDENTIFIED WITH auth_socket;\")",
    ];
}

/** MySQL 8 loads auth_socket as a plugin (Ubuntu's package does it; Oracle's may not). Unverified here. */
export function mysqlAuthSocketLine(): string {
    return "[ \"$MYSQL_FLAVOR\" = mariadb ] || mysql --protocol=socket -uroot -e \"INSTALL PLUGIN auth_socket SONAME 'auth_socket.so'\" 2>/dev/null || true";
}

/** MySQL host patterns take a netmask (both flavours; CIDR lengths are MySQL 8.0.23+ only): 10.0.0.0/16 → 10.0.0.0/255.255.0.0. */
export function mysqlHost(cidr: string): string {
    const [addr, bits] = cidr.split("/");
    const n = Number(bits);
    const mask = [0, 1, 2, 3].map((i) => 256 - 2 ** (8 - Math.max(0, Math.min(8, n - i * 8))));
    return `${addr}/${mask.join(".")}`;
}

/**
 * Enables and (re)starts the server. Debian's MariaDB also enables mariadb.socket, socket activation
 * on every address (`ListenStream=3306`), which overrides bind-address: it is switched off.
 */
export function startLines(): string[] {
    return [
        'systemctl enable "$MYSQL_SVC"',
        '[ "$MYSQL_FLAVOR" = mysql ] || systemctl disable --now mariadb.socket 2>/dev/null || true',
        'systemctl restart "$MYSQL_SVC"',
    ];
}
