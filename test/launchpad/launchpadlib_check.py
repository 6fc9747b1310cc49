"""Drives the real Python launchpadlib against the Launchpad simulator.

Run by launchpadlib.test.ts with one JSON argument:
  {"root", "cache", "project", "statuses", "credentials", "comment_on", "subject", "content"}
Prints one JSON document with what launchpadlib read and posted; any
exception propagates (non-zero exit, traceback on stderr).
"""
import json
import os
import sys

from launchpadlib.credentials import Credentials
from launchpadlib.launchpad import Launchpad


def main():
    job = json.loads(sys.argv[1])
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
