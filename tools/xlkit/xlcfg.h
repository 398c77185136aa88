/* xlcfg.h: xl.cfg files read with Xen's own parser, libxlutil (the one `xl`
 * uses), behind a plain C interface: libxlutil.h pulls in libxl.h, which is
 * C and not meant for pedantic C++, so only xlcfg.c includes it.
 *
 * xlcfg.c is a module of its own (xlkit-xlcfg.so, installed in
 * $(pkglibdir)): libxlutil brings libxenlight and its libraries with it,
 * about a fifth of the CLI's start-up, which `list`, `pause`, `save` and
 * every command without a config never need. The functions below are the
 * CLI's side (xlcfg_load.c): the first call loads the module and goes
 * through its table, xlcfg_ops. If it cannot be loaded, xlcfg_parse fails
 * with a report that says why, the others as for ENOMEM.
 *
 * Every function that can fail returns 0 or an errno value, as libxlutil
 * does: ESRCH "not set", EINVAL "set, but not of the wanted form", ENOMEM.
 * What libxlutil reports (syntax errors with file:line, disk specification
 * errors) accumulates in a buffer read with xlcfg_take_report(). */
#ifndef XLKIT_CLI_XLCFG_H
#define XLKIT_CLI_XLCFG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xlcfg xlcfg;

/* Parses len bytes of xl.cfg text; source names it in messages (a file
 * name, as xl passes it). Returns NULL on a syntax error or ENOMEM, with
 * *report_r (malloc'ed, caller frees; may be NULL) holding libxlutil's
 * report. */
xlcfg *xlcfg_parse(const char *source, const char *data, int len, char **report_r);
void xlcfg_free(xlcfg *cfg);
/* An empty config, for specifications given on the command line (as xl's
 * block-attach and network-attach make one); source names it in messages. */
xlcfg *xlcfg_new(const char *source);

/* The value of key as a single string (a number is a string too). */
int xlcfg_get_string(xlcfg *cfg, const char *key, const char **value_r);
/* The value of key as a number, strtol(value, 0) as libxlutil reads it. */
int xlcfg_get_long(xlcfg *cfg, const char *key, long *value_r);
/* The value of key as a list: *n_r entries. */
int xlcfg_get_list(xlcfg *cfg, const char *key, int *n_r);
/* Entry i of list key: a string, or NULL if the entry is itself a list. */
const char *xlcfg_list_item(xlcfg *cfg, const char *key, int i);
/* 1 if key is set at all (to anything), else 0. */
int xlcfg_is_set(xlcfg *cfg, const char *key);

/* What libxlutil printed since the last call (malloc'ed, "" if nothing). */
char *xlcfg_take_report(xlcfg *cfg);

/* One disk of the disk=[...] list, read by xlu_disk_parse (the
 * xl-disk-configuration(5) syntax). Enum values are libxl's, which
 * xlkit's IDL shares. */
typedef struct xlcfg_disk {
    char *backend_domname; /* backend=, NULL if not given */
    char *pdev_path;
    char *vdev;
    char *script;
    int backend;  /* libxl_disk_backend */
    int format;   /* libxl_disk_format */
    int removable;
    int readwrite;
    int is_cdrom;
} xlcfg_disk;

int xlcfg_parse_disk(xlcfg *cfg, const char *spec, xlcfg_disk *out);
/* The same over nspecs pieces of one specification, as `xl block-attach`
 * passes its arguments (each piece's items are read in turn). */
int xlcfg_parse_disk_multi(xlcfg *cfg, int nspecs, const char *const *specs, xlcfg_disk *out);
void xlcfg_disk_free(xlcfg_disk *disk);

/* A vif's rate= value ("10Mb/s", "1MB/s@20ms"), read by xlu_vif_parse_rate:
 * what libxl gets as rate_bytes_per_interval and rate_interval_usecs. */
int xlcfg_parse_vif_rate(xlcfg *cfg, const char *rate, unsigned long long *bytes_per_interval,
                         unsigned int *interval_usecs);

/* The module's one export: its functions, in the order of the
 * declarations above. abi is XLCFG_ABI_VERSION: a module of another build
 * is refused rather than called through a table of another shape. */
#define XLCFG_ABI_VERSION 1
#define XLCFG_MODULE_TABLE xlkit_xlcfg_ops
#define XLCFG_MODULE_SYMBOL "xlkit_xlcfg_ops"
#define XLCFG_MODULE_NAME "xlkit-xlcfg.so"
typedef struct xlcfg_ops {
    int abi;
    xlcfg *(*parse)(const char *source, const char *data, int len, char **report_r);
    void (*free)(xlcfg *cfg);
    xlcfg *(*new_empty)(const char *source);
    int (*get_string)(xlcfg *cfg, const char *key, const char **value_r);
    int (*get_long)(xlcfg *cfg, const char *key, long *value_r);
    int (*get_list)(xlcfg *cfg, const char *key, int *n_r);
    const char *(*list_item)(xlcfg *cfg, const char *key, int i);
    int (*is_set)(xlcfg *cfg, const char *key);
    char *(*take_report)(xlcfg *cfg);
    int (*parse_disk)(xlcfg *cfg, const char *spec, xlcfg_disk *out);
    int (*parse_disk_multi)(xlcfg *cfg, int nspecs, const char *const *specs, xlcfg_disk *out);
    void (*disk_free)(xlcfg_disk *disk);
    int (*parse_vif_rate)(xlcfg *cfg, const char *rate, unsigned long long *bytes_per_interval,
                          unsigned int *interval_usecs);
} xlcfg_ops;

#ifdef __cplusplus
}
#endif

#endif
