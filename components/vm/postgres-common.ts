/**
 * Debian/Ubuntu's postgresql-common reads /etc/postgresql-common/createcluster.conf both when a
 * postgresql-NN package is installed (whether to create a default cluster) and in pg_createcluster
 * (what goes into the new cluster: `add_include_dir = 'conf.d'` creates the conf.d directory the boot
 * scripts write into, `ssl = on` with the snakeoil certificate…). Replacing that file with one line
 * drops all of it, so the switch lives in a drop-in of the include_dir the shipped file ends with;
 * the shipped file stays untouched (and so never trips ucf/dpkg when PGDG upgrades the package).
 * Source: postgresql-common's createcluster.conf, maintscripts-functions (configure_version reads
 * `create_main_cluster` with pg_conftool, which follows include_dir) and PgCommon.pm read_conf_file.
 */
export const POSTGRES_COMMON_DIR = "/etc/postgresql-common";

/** Shell lines, safe before or after postgresql-common is installed, that stop the package creating `main`. */
export function noDefaultClusterLines(dir: string = POSTGRES_COMMON_DIR): string[] {
    return [
        `install -d ${dir}/createcluster.d`,
        `echo 'create_main_cluster = false' > ${dir}/createcluster.d/50-dbplace.conf`,
    ];
}
