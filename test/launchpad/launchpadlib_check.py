"""Drives the real Python launchpadlib against the Launchpad simulator.

Run by launchpadlib.test.ts with one JSON argument, either
  {"root", "cache", "project", "statuses", "credentials", "comment_on", "subject", "content"}
to read, list and comment, printing one JSON document with what launchpadlib
read and posted; or
  {"login": true, "root", "cache", "consumer", "credentials_file"}
to log in with Launchpad.login_with, printing {"authorize": URL} when a person
must approve (the test does, on the simulator) and then {"me", "display_name"}.
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


def main():
    job = json.loads(sys.argv[1])
    if job.get("login"):
        login(job)
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
