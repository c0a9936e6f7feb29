/*
 * config: the SAGEMAKER_* / HOOKHOST_* environment and the `serve` flags,
 * read and validated once at start, immutable after.
 *
 * Every value is checked here, so a bad variable stops the start with a
 * message naming it instead of failing a request later.  Flags override the
 * environment; an overridden variable is not read.  An empty variable counts
 * as unset (container tooling often sets VAR= to mean "default").  Nothing
 * here looks at the user's files: whether the program exists, or the submit
 * directory is an archive, is start-up's business.  Only the CPU count for the
 * default worker number reads the system (affinity, cgroup limits).
 */
#ifndef HOOKHOST_CONFIG_H
#define HOOKHOST_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

#define CONFIG_WORKERS_MAX 1024
#define CONFIG_TIMEOUT_MAX 2147483          /* seconds: INT_MAX milliseconds */
#define CONFIG_PAYLOAD_MB_MAX 1048576       /* 1 TiB; also capped to what size_t holds */
#define CONFIG_GRACEFUL_TIMEOUT_MAX 86400
#define CONFIG_QUEUE_MAX_MAX 1000000
#define CONFIG_MAX_CONNECTIONS_MAX 1000000
#define CONFIG_CONNECTION_TIMEOUT_MAX 86400 /* seconds, request and idle timeouts */
#define CONFIG_MAX_REQUESTS_MAX INT_MAX

struct config {
    char base_dir[PATH_MAX];         /* SAGEMAKER_BASE_DIR, default /opt/ml (trailing '/' dropped) */
    char model_dir[PATH_MAX];        /* --model-dir, default <base>/model */
    char code_dir[PATH_MAX];         /* --code-dir, default <base>/code */
    char submit_directory[PATH_MAX]; /* SAGEMAKER_SUBMIT_DIRECTORY, default code_dir; s3:// refused */
    char program[256];               /* SAGEMAKER_PROGRAM / --program, required, no '/' */
    char module_name[256];           /* program minus a trailing ".py" */
    char bind_host[256];             /* --bind host part, default "0.0.0.0"; IPv6 without brackets */
    int port;                        /* SAGEMAKER_BIND_TO_PORT / --bind port, default 8080, 1..65535 */
    int workers;                     /* SAGEMAKER_MODEL_SERVER_WORKERS / --workers, default config_cpu_count() */
    int timeout_seconds;             /* SAGEMAKER_MODEL_SERVER_TIMEOUT / --timeout, default 60 */
    size_t max_payload_bytes;        /* SAGEMAKER_MAX_PAYLOAD_IN_MB * 1048576, default 100 MiB */
    char default_accept[256];        /* SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT, default application/json */
    int log_level;                   /* SAGEMAKER_CONTAINER_LOG_LEVEL / --log-level, 0..50, default 20 */
    int graceful_timeout_seconds;    /* HOOKHOST_GRACEFUL_TIMEOUT, default 20, 0..86400 */
    bool error_tracebacks;           /* HOOKHOST_ERROR_TRACEBACKS, default off */
    bool npy_allow_pickle;           /* HOOKHOST_NPY_ALLOW_PICKLE, default off */
    bool fastpath;                   /* HOOKHOST_FASTPATH, default on; off runs the Python codecs */
    int queue_max;                   /* HOOKHOST_QUEUE_MAX, default 1024, 1..1000000 */
    int max_requests;                /* HOOKHOST_MAX_REQUESTS, default 0 = never recycle a worker */
    int max_connections;             /* HOOKHOST_MAX_CONNECTIONS, default 1024, 1..1000000 */
    int request_timeout_seconds;     /* HOOKHOST_REQUEST_TIMEOUT, default 30, 1..86400: whole request read */
    int idle_timeout_seconds;        /* HOOKHOST_IDLE_TIMEOUT, default 60, 1..86400: keep-alive wait */
    char pip_args[1024];             /* HOOKHOST_PIP_ARGS, raw; the user splits on whitespace */
    char python[PATH_MAX];           /* HOOKHOST_PYTHON, default HOOKHOST_DEFAULT_PYTHON */
    char python_dir[PATH_MAX];       /* HOOKHOST_PYTHON_DIR, default HOOKHOST_PYTHON_DIR_DEFAULT */
};

/* Fills config from env (a NULL-terminated "NAME=value" array; NULL means
 * environ) and the `serve` flags argv[0..argc) ("--flag value" or
 * "--flag=value"; a repeated flag: the last wins).  On failure returns
 * ERR_CONFIG with a message naming the variable or flag and the bad value;
 * config is then unspecified.  Reads no user files (see above). */
enum error_code config_load(struct config *config, int argc, char **argv, char **env, struct error *err);

/* Writes the `hookhost --help` text. */
void config_usage(FILE *out);

/* "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" for a level number (others
 * get the name of the standard level below them; see log_level_name). */
const char *config_log_level_name(int level);

/* The CPUs this process may use: its affinity mask, capped by a cgroup CPU
 * quota (v2 cpu.max or v1 cpu.cfs_quota_us, rounded up), at least 1. */
int config_cpu_count(void);

/* The cgroup CPU quota in whole CPUs (rounded up, at least 1), or 0 when
 * there is none: the smallest of cpu.max (v2) and cpu.cfs_quota_us /
 * cpu.cfs_period_us (v1) in this process's cgroup and its ancestors, found
 * through proc_cgroup (normally /proc/self/cgroup) under cgroup_root
 * (normally /sys/fs/cgroup).  Parameters exist for tests. */
int config_cgroup_cpu_limit(const char *cgroup_root, const char *proc_cgroup);

#endif
