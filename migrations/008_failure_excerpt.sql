-- What a failed build's log says went wrong, so its results comment can quote it:
-- JSON {"log_url": "<the make.log on the results host>" | null, "lines": ["first error lines", ...],
--       "note": "why there is no excerpt" | absent}. NULL until a failed build's log was read.
ALTER TABLE builds ADD COLUMN failure_excerpt TEXT;
