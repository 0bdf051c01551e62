/*
 * gitinfo.h - where the run happened, from libgit2.
 */
#ifndef MLCI_GITINFO_H
#define MLCI_GITINFO_H

#include <jansson.h>

/*
 * {commit, branch, ref, dirty} for the repository containing dir (found
 * by walking up), or NULL outside a repository or on any libgit2 error.
 * branch is null on a detached HEAD; ref is CI_COMMIT_REF_NAME when set,
 * else the branch; dirty counts tracked changes, not untracked files.
 * Returns a new reference.
 */
json_t *gitinfo_describe(const char *dir);

#endif
