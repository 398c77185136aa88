/* xlcfg.c: the C side of xlkit's xl.cfg reading (see xlcfg.h). */
#include "xlcfg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxlutil.h>

struct xlcfg {
    XLU_Config *xlu;
    FILE *report;       /* open_memstream over rbuf */
    char *rbuf;
    size_t rlen;
    size_t rtaken;      /* bytes of rbuf already handed out */
};

static char *take(xlcfg *c) {
    fflush(c->report);
    size_t n = c->rlen > c->rtaken ? c->rlen - c->rtaken : 0;
    char *s = malloc(n + 1);
    if (!s) return NULL;
    if (n) memcpy(s, c->rbuf + c->rtaken, n);
    s[n] = 0;
    c->rtaken = c->rlen;
    return s;
}

xlcfg *xlcfg_parse(const char *source, const char *data, int len, char **report_r) {
    if (report_r) *report_r = NULL;
    xlcfg *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->report = open_memstream(&c->rbuf, &c->rlen);
    if (!c->report) {
        free(c);
        return NULL;
    }
    c->xlu = xlu_cfg_init(c->report, source);
    if (!c->xlu) {
        xlcfg_free(c);
        return NULL;
    }
    int e = xlu_cfg_readdata(c->xlu, data, len);
    if (e) {
        if (report_r) *report_r = take(c);
        if (report_r && *report_r && !**report_r) {
            /* Nothing reported: say what failed. */
            free(*report_r);
            *report_r = NULL;
            if (asprintf(report_r, "%s: cannot parse: %s\n", source, strerror(e)) < 0) *report_r = NULL;
        }
        xlcfg_free(c);
        return NULL;
    }
    return c;
}

xlcfg *xlcfg_new(const char *source) {
    xlcfg *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->report = open_memstream(&c->rbuf, &c->rlen);
    if (!c->report) {
        free(c);
        return NULL;
    }
    c->xlu = xlu_cfg_init(c->report, source);
    if (!c->xlu) {
        xlcfg_free(c);
        return NULL;
    }
    return c;
}

void xlcfg_free(xlcfg *c) {
    if (!c) return;
    if (c->xlu) xlu_cfg_destroy(c->xlu);
    if (c->report) fclose(c->report);
    free(c->rbuf);
    free(c);
}

int xlcfg_get_string(xlcfg *c, const char *key, const char **value_r) {
    return xlu_cfg_get_string(c->xlu, key, value_r, 0);
}

int xlcfg_get_long(xlcfg *c, const char *key, long *value_r) {
    return xlu_cfg_get_long(c->xlu, key, value_r, 0);
}

int xlcfg_get_list(xlcfg *c, const char *key, int *n_r) {
    XLU_ConfigList *l = NULL;
    return xlu_cfg_get_list(c->xlu, key, &l, n_r, 0);
}

const char *xlcfg_list_item(xlcfg *c, const char *key, int i) {
    XLU_ConfigList *l = NULL;
    if (xlu_cfg_get_list(c->xlu, key, &l, NULL, 1)) return NULL;
    return xlu_cfg_get_listitem(l, i);
}

int xlcfg_is_set(xlcfg *c, const char *key) {
    const char *s;
    XLU_ConfigList *l;
    /* A single value or a list: one of the two succeeds if key is set. */
    return xlu_cfg_get_string(c->xlu, key, &s, 1) != ESRCH || xlu_cfg_get_list(c->xlu, key, &l, NULL, 1) != ESRCH;
}

char *xlcfg_take_report(xlcfg *c) { return take(c); }

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

int xlcfg_parse_disk(xlcfg *c, const char *spec, xlcfg_disk *out) {
    return xlcfg_parse_disk_multi(c, 1, &spec, out);
}

int xlcfg_parse_disk_multi(xlcfg *c, int nspecs, const char *const *specs, xlcfg_disk *out) {
    memset(out, 0, sizeof *out);
    libxl_device_disk d;
    libxl_device_disk_init(&d);
    int e = xlu_disk_parse(c->xlu, nspecs, specs, &d);
    if (!e) {
        out->backend_domname = dup_or_null(d.backend_domname);
        out->pdev_path = dup_or_null(d.pdev_path);
        out->vdev = dup_or_null(d.vdev);
        out->script = dup_or_null(d.script);
        out->backend = (int)d.backend;
        out->format = (int)d.format;
        out->removable = d.removable;
        out->readwrite = d.readwrite;
        out->is_cdrom = d.is_cdrom;
    }
    libxl_device_disk_dispose(&d);
    return e;
}

void xlcfg_disk_free(xlcfg_disk *d) {
    free(d->backend_domname);
    free(d->pdev_path);
    free(d->vdev);
    free(d->script);
    memset(d, 0, sizeof *d);
}

int xlcfg_parse_vif_rate(xlcfg *c, const char *rate, unsigned long long *bytes_per_interval,
                         unsigned int *interval_usecs) {
    libxl_device_nic nic;
    libxl_device_nic_init(&nic);
    /* It tests errno for ERANGE after strtoull without clearing it first. */
    errno = 0;
    int e = xlu_vif_parse_rate(c->xlu, rate, &nic);
    if (!e) {
        *bytes_per_interval = nic.rate_bytes_per_interval;
        *interval_usecs = nic.rate_interval_usecs;
    }
    libxl_device_nic_dispose(&nic);
    return e;
}
