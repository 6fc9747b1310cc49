"""Drives the real Python launchpadlib against the Launchpad simulator.

Run by launchpadlib.test.ts with one JSON argument, either
  {"root", "cache", "project", "statuses", "credentials", "comment_on", "subject", "content"}
to read, list and comment, printing one JSON document with what launchpadlib
read and posted; or
  {"login": true, "root", "cache", "consumer", "credentials_file"}
to log in with Launchpad.login_with, printing {"authorize": URL} when a person
must approve (the test does, on the simulator) and then {"me", "display_name"};
or
  {"git": true, "root", "cache", "project", "statuses", "repository_paths",
   "ref_path", "credentials", "comment_on", "subject", "content", "vote",
   "review_type"}
to read the git side: repositories by path and a ref (devel, where those
lookups live), the project's git proposals with their fields, preview diffs
and comments (1.0), and to post a comment with a review vote on one of them.
Any exception propagates (non-zero exit, traceback on stderr).
"""
import json
import os
import sys
import time

from launchpadlib.credentials import (
    AuthorizeRequestTokenWithURL,
    Credentials,
    EndUserNoAuthorization,
    TokenAuthorizationTimedOut,
)
from launchpadlib.launchpad import Launchpad


class ApprovedByTheTest(AuthorizeRequestTokenWithURL):
    """Shows the approval page to the test instead of a person, then polls
    +access-token as launchpadlib's browser engine does."""

    def notify_end_user_authorization_url(self, authorization_url):
        print(json.dumps({"authorize": authorization_url}), flush=True)

    def wait_for_end_user_authorization(self, credentials):
        deadline = time.time() + 30
        while True:
            try:
                if self.check_end_user_authorization(credentials):
                    return
            except EndUserNoAuthorization:
                pass
            if time.time() > deadline:
                raise TokenAuthorizationTimedOut("nobody approved within 30 s")
            time.sleep(0.1)


def login(job):
    engine = ApprovedByTheTest(
        job["root"], consumer_name=job["consumer"], allow_access_levels=["WRITE_PUBLIC"]
    )
    launchpad = Launchpad.login_with(
        service_root=job["root"],
        version="1.0",
        launchpadlib_dir=job["cache"],
        credentials_file=job["credentials_file"],
        authorization_engine=engine,
    )
    me = launchpad.me
    print(json.dumps({"me": me.name, "display_name": me.display_name}), flush=True)


def link_of(entry):
    """An entry's self_link, or None for a link field that is null."""
    return None if entry is None else entry.self_link


def git(job):
    root = job["root"]
    # git_repositories.getByPath and getRefByPath exist only in devel.
    devel = Launchpad.login_anonymously(
        "cbuild-bot-test",
        service_root=root,
        version="devel",
        launchpadlib_dir=os.path.join(job["cache"], "devel"),
    )
    repositories = []
    for path in job["repository_paths"]:
        repository = devel.git_repositories.getByPath(path=path)
        repositories.append(
            None
            if repository is None
            else {
                "self_link": repository.self_link,
                "unique_name": repository.unique_name,
                "git_identity": repository.git_identity,
                "display_name": repository.display_name,
                "git_https_url": repository.git_https_url,
                "git_ssh_url": repository.git_ssh_url,
                "default_branch": repository.default_branch,
                "target_default": repository.target_default,
                "owner": repository.owner.name,
                "target": repository.target.name,
                "proposals": [
                    mp.self_link
                    for mp in repository.getMergeProposals(status=job["statuses"])
                ],
            }
        )
    repository = devel.git_repositories.getByPath(path=job["repository_paths"][0])
    ref = repository.getRefByPath(path=job["ref_path"])
    missing = repository.getRefByPath(path="refs/heads/no-such-ref")

    anonymous = Launchpad.login_anonymously(
        "cbuild-bot-test",
        service_root=root,
        version="1.0",
        launchpadlib_dir=os.path.join(job["cache"], "anonymous"),
    )
    # The ref entry itself reads fine in 1.0, as the bot reads it.
    ref10 = anonymous.load(ref.self_link.replace("/devel/", "/1.0/"))
    proposals = []
    for mp in anonymous.projects[job["project"]].getMergeProposals(status=job["statuses"]):
        if mp.source_git_repository is None:
            continue
        diff = mp.preview_diff
        proposals.append(
            {
                "self_link": mp.self_link,
                "queue_status": mp.queue_status,
                "source_git_repository": mp.source_git_repository.unique_name,
                "source_git_path": mp.source_git_path,
                "target_git_repository": mp.target_git_repository.unique_name,
                "target_git_path": mp.target_git_path,
                "prerequisite_git_repository": link_of(mp.prerequisite_git_repository),
                "prerequisite_git_path": mp.prerequisite_git_path,
                "source_branch": link_of(mp.source_branch),
                "target_branch": link_of(mp.target_branch),
                "prerequisite_branch": link_of(mp.prerequisite_branch),
                "preview_diff": None
                if diff is None
                else {
                    "source_revision_id": diff.source_revision_id,
                    "target_revision_id": diff.target_revision_id,
                },
                "comments": [comment.content for comment in mp.all_comments],
            }
        )

    credentials = Credentials.load_from_path(job["credentials"])
    authorized = Launchpad(
        credentials,
        None,
        None,
        service_root=root,
        version="1.0",
        cache=os.path.join(job["cache"], "authorized"),
    )
    target = authorized.load(job["comment_on"])
    created = target.createComment(
        subject=job["subject"],
        content=job["content"],
        vote=job["vote"],
        review_type=job["review_type"],
    )
    json.dump(
        {
            "repositories": repositories,
            "ref": {
                "self_link": ref.self_link,
                "path": ref.path,
                "commit_sha1": ref.commit_sha1,
                "repository": ref.repository.unique_name,
                "commit_sha1_in_1.0": ref10.commit_sha1,
                "landing_targets": [mp.self_link for mp in ref10.landing_targets],
                "landing_candidates": [mp.self_link for mp in ref10.landing_candidates],
            },
            "missing_ref": link_of(missing),
            "proposals": proposals,
            "created": {
                "self_link": created.self_link,
                "content": created.content,
                "vote": created.vote,
                "vote_tag": created.vote_tag,
                "author": created.author.name,
            },
        },
        sys.stdout,
    )


def main():
    job = json.loads(sys.argv[1])
    if job.get("login"):
        login(job)
        return
    if job.get("git"):
        git(job)
        return
    root = job["root"]

    anonymous = Launchpad.login_anonymously(
        "cbuild-bot-test",
        service_root=root,
        version="1.0",
        launchpadlib_dir=os.path.join(job["cache"], "anonymous"),
    )
    project = anonymous.projects[job["project"]]
    proposals = project.getMergeProposals(status=job["statuses"])
    listed = []
    for mp in proposals:
        source = mp.source_branch
        listed.append(
            {
                "self_link": mp.self_link,
                "queue_status": mp.queue_status,
                "last_scanned_id": source.last_scanned_id,
                "revision_count": source.revision_count,
                "bzr_identity": source.bzr_identity,
                "comments": [comment.content for comment in mp.all_comments],
            }
        )

    credentials = Credentials.load_from_path(job["credentials"])
    authorized = Launchpad(
        credentials,
        None,
        None,
        service_root=root,
        version="1.0",
        cache=os.path.join(job["cache"], "authorized"),
    )
    target = authorized.load(job["comment_on"])
    created = target.createComment(subject=job["subject"], content=job["content"])

    json.dump(
        {
            "total_size": len(proposals),
            "proposals": listed,
            "created": {
                "self_link": created.self_link,
                "content": created.content,
                "author_link": created.author_link,
                "title": created.title,
            },
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
