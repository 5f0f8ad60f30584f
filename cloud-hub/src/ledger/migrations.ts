// The ledger's schema, as an ordered list of migrations. Append new ones; never edit an applied one
// (the runner checks names, so a renamed or reordered migration is caught at open).
//
// Conventions: times are INTEGER milliseconds since the Unix epoch (UTC), so comparisons and
// range scans are integer compares; captured_at also keeps the edge's ISO text with its offset.
// Only tables that live and die with a frame reference it; batch_frames, qa_samples and reviews
// keep bare frame ids, so retention can delete frames and keep the batch records.
// Device credentials are not here: the broker's DeviceRegistry creates its own
// device_credentials table (scrypt parameters, salt, hash) in whatever database it is given,
// this one included.
import type { Migration } from './migrate.ts';

const V1_SCHEMA = `
-- Camera ids are unique within a site (blob keys are frames/{site}/{camera}/...).
CREATE TABLE cameras (
  site          TEXT NOT NULL,
  camera        TEXT NOT NULL,
  device        TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  PRIMARY KEY (site, camera)
) WITHOUT ROWID;

CREATE TABLE frames (
  frame_id         TEXT PRIMARY KEY,
  site             TEXT NOT NULL,
  device           TEXT NOT NULL,
  camera           TEXT NOT NULL,
  captured_at      TEXT NOT NULL,
  captured_at_ms   INTEGER NOT NULL,
  received_at      INTEGER NOT NULL,
  blob_key         TEXT NOT NULL,
  width            INTEGER NOT NULL,
  height           INTEGER NOT NULL,
  sha256           TEXT NOT NULL,
  bytes            INTEGER NOT NULL,
  reason           TEXT NOT NULL CHECK (reason IN ('prefilter', 'motion', 'audit', 'manual')),
  edge_detections  TEXT NOT NULL,
  motion_score     REAL,
  thresholds       TEXT NOT NULL,
  model_id         TEXT NOT NULL,
  -- pending (detect job not done) | detected | dead (detect job dead-lettered)
  state            TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX frames_camera_time ON frames (site, camera, captured_at_ms);
CREATE INDEX frames_received ON frames (received_at, frame_id);

CREATE TABLE detections (
  id          INTEGER PRIMARY KEY,
  frame_id    TEXT NOT NULL REFERENCES frames (frame_id) ON DELETE CASCADE,
  source      TEXT NOT NULL CHECK (source IN ('edge', 'cloud')),
  model_id    TEXT NOT NULL,
  label       TEXT NOT NULL,
  score       REAL NOT NULL,
  x1          REAL NOT NULL,
  y1          REAL NOT NULL,
  x2          REAL NOT NULL,
  y2          REAL NOT NULL,
  -- Cleanup outcome for cloud boxes: NULL not cleaned, 1 kept (label and box as cleaned),
  -- 0 dropped (label and box as detected, drop_reason says which check removed it).
  kept        INTEGER CHECK (kept IN (0, 1)),
  drop_reason TEXT
);
CREATE INDEX detections_frame ON detections (frame_id, source);

CREATE TABLE jobs (
  id               INTEGER PRIMARY KEY,
  frame_id         TEXT NOT NULL REFERENCES frames (frame_id) ON DELETE CASCADE,
  kind             TEXT NOT NULL CHECK (kind IN ('detect')),
  -- failed = failed at least once and waiting for its retry time (next_run_at)
  state            TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'done', 'failed', 'dead')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  next_run_at      INTEGER NOT NULL,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  done_at          INTEGER,
  compute_ms       REAL,
  UNIQUE (frame_id, kind)
);
CREATE INDEX jobs_due ON jobs (next_run_at, id) WHERE state IN ('queued', 'failed');
CREATE INDEX jobs_lease_expiry ON jobs (lease_expires_at, id) WHERE state = 'leased';
CREATE INDEX jobs_dead ON jobs (updated_at, id) WHERE state = 'dead';
-- counts(); the queries above name their partial index (INDEXED BY), so this one cannot lure
-- the planner into sorting a large backlog.
CREATE INDEX jobs_state ON jobs (state);

-- Edge counters summed per camera per UTC hour (the hour the stats window started in).
CREATE TABLE edge_stats (
  site          TEXT NOT NULL,
  camera        TEXT NOT NULL,
  hour_start    INTEGER NOT NULL,
  device        TEXT NOT NULL,
  decoded       INTEGER NOT NULL DEFAULT 0,
  sampled       INTEGER NOT NULL DEFAULT 0,
  gated         INTEGER NOT NULL DEFAULT 0,
  inferred      INTEGER NOT NULL DEFAULT 0,
  uploaded      INTEGER NOT NULL DEFAULT 0,
  audited       INTEGER NOT NULL DEFAULT 0,
  motion        INTEGER NOT NULL DEFAULT 0,
  spooled_bytes INTEGER NOT NULL DEFAULT 0,
  dropped       INTEGER NOT NULL DEFAULT 0,
  messages      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (site, camera, hour_start)
) WITHOUT ROWID;
CREATE INDEX edge_stats_hour ON edge_stats (hour_start);

CREATE TABLE batches (
  id          TEXT PRIMARY KEY,
  site        TEXT,
  camera      TEXT,
  -- the camera-day a per-day batch covers (YYYY-MM-DD, site local), NULL for every-N batches
  day         TEXT,
  -- open | closed | exported | in-review | done
  status      TEXT NOT NULL DEFAULT 'open',
  frame_count INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  exported_at INTEGER,
  export_path TEXT,
  meta        TEXT
);
CREATE INDEX batches_status ON batches (status, created_at);
CREATE INDEX batches_camera_day ON batches (site, camera, day);

-- What a batch exported for each frame, kept after retention deletes the frame itself.
CREATE TABLE batch_frames (
  batch_id    TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  frame_id    TEXT NOT NULL,
  position    INTEGER NOT NULL,
  -- the COCO image entry (file name, URL, size, capture time...) and its annotations, as JSON
  image       TEXT NOT NULL,
  annotations TEXT NOT NULL,
  PRIMARY KEY (batch_id, frame_id)
) WITHOUT ROWID;
CREATE INDEX batch_frames_frame ON batch_frames (frame_id);

CREATE TABLE qa_samples (
  id         INTEGER PRIMARY KEY,
  batch_id   TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  frame_id   TEXT NOT NULL,
  -- why it was picked (stratified, near-threshold, disagreement, audit-miss, diversity), JSON
  reasons    TEXT NOT NULL,
  seed       TEXT NOT NULL,
  -- pending | reviewed
  status     TEXT NOT NULL DEFAULT 'pending',
  created_at INTEGER NOT NULL,
  UNIQUE (batch_id, frame_id)
);
CREATE INDEX qa_samples_status ON qa_samples (status, created_at);

-- One reviewer verdict on one pre-tagged box (or an object the reviewer added: verdict 'missed').
CREATE TABLE reviews (
  id         INTEGER PRIMARY KEY,
  sample_id  INTEGER NOT NULL REFERENCES qa_samples (id) ON DELETE CASCADE,
  frame_id   TEXT NOT NULL,
  camera     TEXT NOT NULL,
  reviewer   TEXT NOT NULL,
  verdict    TEXT NOT NULL CHECK (verdict IN ('accepted', 'fixed', 'rejected', 'missed')),
  label      TEXT NOT NULL,
  score      REAL,
  -- [x1, y1, x2, y2] as reviewed (the fixed box for 'fixed', the added box for 'missed'), JSON
  box        TEXT,
  note       TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX reviews_camera_label ON reviews (camera, label, created_at);
CREATE INDEX reviews_sample ON reviews (sample_id);
`;

// Closing the loop: shadow model runs, model promotions, review opens (annotator timing), the
// addresses each caller has used, and the append-only audit log. Triggers make the audit log
// refuse UPDATE and DELETE from any connection, not just the API.
const V2_SCHEMA = `
CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  role    TEXT NOT NULL,
  -- device.add | device.revoke | config.push | review | model.promote | retention.delete
  -- | token.new-address
  action  TEXT NOT NULL,
  target  TEXT NOT NULL,
  -- what changed, JSON, where one applies
  diff    TEXT,
  address TEXT
);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted'); END;

-- First use of each caller (token name or device) from each client address.
CREATE TABLE caller_addresses (
  principal     TEXT NOT NULL,
  address       TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  PRIMARY KEY (principal, address)
) WITHOUT ROWID;

-- A candidate model's run on a frame (shadow), kept apart from the production detections.
CREATE TABLE shadow_runs (
  frame_id   TEXT NOT NULL REFERENCES frames (frame_id) ON DELETE CASCADE,
  model_id   TEXT NOT NULL,
  ran_at     INTEGER NOT NULL,
  compute_ms REAL,
  error      TEXT,
  PRIMARY KEY (frame_id, model_id)
) WITHOUT ROWID;
CREATE INDEX shadow_runs_model ON shadow_runs (model_id, ran_at);

-- Same meaning as detections (source 'cloud'), for the candidate model.
CREATE TABLE shadow_detections (
  id          INTEGER PRIMARY KEY,
  frame_id    TEXT NOT NULL REFERENCES frames (frame_id) ON DELETE CASCADE,
  model_id    TEXT NOT NULL,
  label       TEXT NOT NULL,
  score       REAL NOT NULL,
  x1          REAL NOT NULL,
  y1          REAL NOT NULL,
  x2          REAL NOT NULL,
  y2          REAL NOT NULL,
  kept        INTEGER CHECK (kept IN (0, 1)),
  drop_reason TEXT
);
CREATE INDEX shadow_detections_frame ON shadow_detections (frame_id, model_id);

-- Production model switches; the newest row is the detector in force (over hub.yaml's).
CREATE TABLE model_promotions (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  from_model TEXT,
  to_model   TEXT NOT NULL,
  -- the hub.yaml detector block now in force, JSON
  detector   TEXT NOT NULL
);

-- When a reviewer opened a QA sample (time per image runs from here to their last verdict).
CREATE TABLE review_opens (
  sample_id INTEGER NOT NULL,
  reviewer  TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  PRIMARY KEY (sample_id, reviewer)
) WITHOUT ROWID;
CREATE INDEX reviews_reviewer ON reviews (reviewer, created_at);
`;

// The model whose run produced a frame's cloud boxes, kept on the frame: a run that found nothing
// leaves no detections row to name it, and during a promotion a frame may be detected by either
// model. NULL for frames detected before this migration.
const V3_SCHEMA = `
ALTER TABLE frames ADD COLUMN cloud_model_id TEXT;
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', up: V1_SCHEMA },
  { version: 2, name: 'quality, shadow, annotators and audit log', up: V2_SCHEMA },
  { version: 3, name: 'cloud model per frame', up: V3_SCHEMA },
];
