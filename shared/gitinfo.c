#include "gitinfo.h"

#include <stdlib.h>
#include <string.h>

#include <git2.h>

static int is_dirty(git_repository *repo)
{
	git_status_options opts;
	git_status_list *list = NULL;
	int dirty = 0;

	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);

	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&list, repo, &opts) == 0) {
		dirty = git_status_list_entrycount(list) > 0;
		git_status_list_free(list);
	}
	return dirty;
}

json_t *gitinfo_describe(const char *dir)
{
	git_repository *repo = NULL;
	git_reference *head = NULL;
	json_t *out = NULL;
	const char *ref_env = getenv("CI_COMMIT_REF_NAME");
	char oid[GIT_OID_HEXSZ + 1];
	const git_oid *target;

	git_libgit2_init();
	if (git_repository_open_ext(&repo, dir, 0, NULL) != 0)
		goto done;
	if (git_repository_is_bare(repo) || git_repository_head(&head, repo) != 0)
		goto done;
	target = git_reference_target(head);
	if (!target)
		goto done;
	git_oid_tostr(oid, sizeof(oid), target);
	out = json_object();
	json_object_set_new(out, "commit", json_string(oid));
	if (git_reference_is_branch(head)) {
		json_object_set_new(out, "branch",
				    json_string(git_reference_shorthand(head)));
	} else {
		json_object_set_new(out, "branch", json_null());
	}
	if (ref_env && *ref_env)
		json_object_set_new(out, "ref", json_string(ref_env));
	else if (git_reference_is_branch(head))
		json_object_set_new(out, "ref",
				    json_string(git_reference_shorthand(head)));
	else
		json_object_set_new(out, "ref", json_string(oid));
	json_object_set_new(out, "dirty", json_boolean(is_dirty(repo)));
done:
	git_reference_free(head);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return out;
}
