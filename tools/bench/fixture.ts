/**
 * The fake upstream's data, shared by upstream.ts (which serves it) and run.ts (which checks
 * answers against it): one Scaleway-like image of about 1 KB of JSON.
 */
import { Buffer } from 'node:buffer';

export const IMAGE_ID = '0b1e7c3a-5d2f-4e8b-9a6c-d4f3e2b1a0c9';
export const IMAGE_NAME = 'debian_bookworm-capgen-bench-image';

const tags = ['distribution_family:debian', 'distribution:debian_bookworm', 'instance_sbs', 'capgen-bench'];
for (let i = 0; tags.length < 17; i++) tags.push(`bench-label-${i}:value-${String(i * 7).padStart(4, '0')}`);
const image = {
  id: IMAGE_ID,
  name: IMAGE_NAME,
  arch: 'x86_64',
  creation_date: '2025-06-11T08:21:43.512034Z',
  modification_date: '2025-06-11T08:24:09.004512Z',
  default_bootscript: null,
  extra_volumes: {},
  from_server: '',
  organization: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  project: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  public: true,
  root_volume: {
    id: '3f2e1d0c-9b8a-4765-8432-10fedcba9876',
    name: 'debian_bookworm:volume-0',
    size: 10_000_000_000,
    volume_type: 'sbs_snapshot',
  },
  state: 'available',
  tags,
  zone: 'fr-par-1',
};
export const BODY: Buffer = Buffer.from(JSON.stringify({ image }));

/** The body of the bench's REST POST (create an image), about 200 bytes of JSON. */
export const CREATE_BODY = JSON.stringify({
  name: 'capgen-bench-created-image',
  arch: 'x86_64',
  root_volume: '3f2e1d0c-9b8a-4765-8432-10fedcba9876',
  project: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  tags: ['capgen-bench', 'distribution:debian_bookworm'],
  public: false,
});
