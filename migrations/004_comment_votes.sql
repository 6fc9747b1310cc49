-- The review vote a results comment carries (Launchpad's createComment `vote`),
-- decided when the comment is queued so a re-post after a crash votes the same.
ALTER TABLE comments ADD COLUMN vote TEXT CHECK (vote IN ('Approve', 'Needs Fixing'));
