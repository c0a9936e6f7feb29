/*
 * startup: code archive, user script check, requirements.
 *
 * requirements.txt is installed with `pip install --target <private dir>`,
 * which the workers put on sys.path after the code dir.  Installing into the
 * interpreter itself would need root, would hit Debian's PEP 668 guard, and
 * would outlive the container's own packages; a private target needs none.
 */
#define _GNU_SOURCE
#include "startup.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buffer.h"
#include "log.h"

extern char **environ;

#define STARTUP_MAX_ARGS 64
#define STARTUP_OUTPUT_MAX (1024 * 1024)

static bool ends_with(const char *text, const char *suffix)
{
    size_t length = strlen(text), suffix_length = strlen(suffix);
    return length >= suffix_length && strcmp(text + length - suffix_length, suffix) == 0;
}

/* Runs argv, logging its combined output at `level` line by line; returns
 * the exit status (or -1 when it could not run). */
static int startup_run(char *const argv[], int level, struct buffer *output)
{
    posix_spawn_file_actions_t actions;
    int pipe_fds[2];
    pid_t pid;
    int status = -1;
    char chunk[4096];
    ssize_t got;

    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
        return -1;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
    if (posix_spawn(&pid, argv[0], &actions, NULL, argv, environ) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    while ((got = read(pipe_fds[0], chunk, sizeof chunk)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        log_lines(level, chunk, (size_t)got);
        if (output != NULL && output->length + (size_t)got <= output->max)
            buffer_append(output, chunk, (size_t)got);
    }
    close(pipe_fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static enum error_code startup_extract(const struct config *config, struct error *err)
{
    char script[PATH_MAX + 64];
    char *argv[] = { (char *)config->python, script, (char *)config->submit_directory,
                     (char *)config->code_dir, NULL };
    int status;

    snprintf(script, sizeof script, "%s/hookhost/_extract.py", config->python_dir);
    if (access(script, R_OK) != 0)
        return error_set(err, ERR_CONFIG, "cannot unpack %s: %s is missing (HOOKHOST_PYTHON_DIR)",
                         config->submit_directory, script);
    if (mkdir(config->code_dir, 0755) != 0 && errno != EEXIST)
        return error_set(err, ERR_CONFIG, "cannot create the code directory %s: %s", config->code_dir,
                         strerror(errno));
    log_write(LOG_INFO, "unpacking %s into %s", config->submit_directory, config->code_dir);
    status = startup_run(argv, LOG_ERROR, NULL);
    if (status != 0)
        return error_set(err, ERR_CONFIG, "cannot unpack SAGEMAKER_SUBMIT_DIRECTORY=%s (status %d; see above)",
                         config->submit_directory, status);
    return OK;
}

static enum error_code startup_requirements(const struct config *config, struct startup *startup,
                                            const char *requirements, struct error *err)
{
    char template[PATH_MAX];
    char pip_args[sizeof config->pip_args];
    char *argv[STARTUP_MAX_ARGS];
    int argc = 0, status;
    const char *tmp = getenv("TMPDIR");

    snprintf(template, sizeof template, "%s/hookhost-packages.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(template) == NULL)
        return error_set(err, ERR_IO, "cannot create a directory for requirements: %s", strerror(errno));
    snprintf(startup->packages_dir, sizeof startup->packages_dir, "%s", template);

    argv[argc++] = (char *)config->python;
    argv[argc++] = "-m";
    argv[argc++] = "pip";
    argv[argc++] = "install";
    argv[argc++] = "--disable-pip-version-check";
    argv[argc++] = "--no-input";
    argv[argc++] = "--target";
    argv[argc++] = startup->packages_dir;
    argv[argc++] = "-r";
    argv[argc++] = (char *)requirements;
    snprintf(pip_args, sizeof pip_args, "%s", config->pip_args);
    for (char *save = NULL, *word = strtok_r(pip_args, " \t\n", &save); word != NULL;
         word = strtok_r(NULL, " \t\n", &save)) {
        if (argc >= STARTUP_MAX_ARGS - 1)
            return error_set(err, ERR_CONFIG, "HOOKHOST_PIP_ARGS has too many words (at most %d)",
                             STARTUP_MAX_ARGS - 11);
        argv[argc++] = word;
    }
    argv[argc] = NULL;
    log_write(LOG_INFO, "installing %s into %s", requirements, startup->packages_dir);
    status = startup_run(argv, LOG_INFO, NULL);
    if (status != 0)
        return error_set(err, ERR_CONFIG, "pip install -r %s failed with status %d (its output is above)",
                         requirements, status);
    setenv("HOOKHOST_PACKAGES_DIR", startup->packages_dir, 1);
    return OK;
}

enum error_code startup_prepare(const struct config *config, struct startup *startup, struct error *err)
{
    char path[PATH_MAX * 2];
    struct stat info;
    enum error_code rc;

    startup->packages_dir[0] = '\0';
    startup->code_dir[0] = '\0';
    unsetenv("HOOKHOST_PACKAGES_DIR");
    if (stat(config->submit_directory, &info) != 0)
        return error_set(err, ERR_CONFIG, "SAGEMAKER_SUBMIT_DIRECTORY=%s: %s", config->submit_directory,
                         strerror(errno));
    if (S_ISREG(info.st_mode)) {
        if (!ends_with(config->submit_directory, ".tar.gz") && !ends_with(config->submit_directory, ".tgz") &&
            !ends_with(config->submit_directory, ".tar"))
            return error_set(err, ERR_CONFIG,
                             "SAGEMAKER_SUBMIT_DIRECTORY=%s is a file but not a .tar, .tar.gz or .tgz archive",
                             config->submit_directory);
        rc = startup_extract(config, err);
        if (rc != OK)
            return rc;
        snprintf(startup->code_dir, sizeof startup->code_dir, "%s", config->code_dir);
    } else if (S_ISDIR(info.st_mode)) {
        snprintf(startup->code_dir, sizeof startup->code_dir, "%s", config->submit_directory);
    } else {
        return error_set(err, ERR_CONFIG, "SAGEMAKER_SUBMIT_DIRECTORY=%s is neither a directory nor an archive",
                         config->submit_directory);
    }

    snprintf(path, sizeof path, "%s/%s", startup->code_dir, config->program);
    if (stat(path, &info) != 0 || !S_ISREG(info.st_mode))
        return error_set(err, ERR_CONFIG, "SAGEMAKER_PROGRAM=%s: no such file in the code directory %s",
                         config->program, startup->code_dir);

    snprintf(path, sizeof path, "%s/requirements.txt", startup->code_dir);
    if (stat(path, &info) == 0)
        return startup_requirements(config, startup, path, err);
    return OK;
}

static int startup_remove_entry(const char *path, const struct stat *info, int type, struct FTW *walk)
{
    (void)info;
    (void)type;
    (void)walk;
    remove(path);
    return 0;
}

void startup_cleanup(struct startup *startup)
{
    if (startup->packages_dir[0] != '\0')
        nftw(startup->packages_dir, startup_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    startup->packages_dir[0] = '\0';
}
