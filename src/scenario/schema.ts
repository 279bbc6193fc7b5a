// The scenario file's JSON Schema, derived from the table of operations (ops.ts) and the profiles: one
// `if op = X then X's fields` clause per op, so editors complete and explain each op's arguments. tools/gen-schema.js
// writes it to schema/scenario.schema.json (shipped for jsonValidation, compiled by ajv at build time); a test
// checks the committed file is exactly what this gives.
import { PROFILES, type ProfileName } from '../model/layout';
import { OPS, type OpSpec } from './ops';
import { DM_KINDS } from '../model/dm';
import { FIXES, FIX_IDS } from '../model/fixes';
import { ALLOWABLE_VIOLATIONS } from './types';

type Json = Record<string, unknown>;

/** What each profile is, for the `profile` field's hover. */
export const PROFILE_DOCS: Record<ProfileName, string> = {
  legacy: 'the tree before the seed',
  seed: 'the patch as posted',
  '4.5': 'Xen 4.5 (RELEASE-4.5.0: several ioreq servers, the default one made by the ioreq params)',
  '4.21': "today's Xen on x86 (RELEASE-4.21.0: xen/common/ioreq.c, servers 0-7 created by device models through DMOPs, pages from XENMEM_acquire_resource)",
  '4.21-arm': "today's Xen on Arm (RELEASE-4.21.0: the common ioreq code behind xen/arch/arm/ioreq.c: MMIO only, no buffered ring, no legacy gfns)",
};

/** The fields every step has besides its op's arguments. */
const STEP_COMMON: Json = {
  "actor": {
    "type": "string",
    "description": "Who acts: 'toolstack', a device model's name, or a vcpu as d<domid>v<n>."
  },
  "expect": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "rc": {
        "oneOf": [
          {
            "type": "integer"
          },
          {
            "type": "string",
            "pattern": "^-?(E[A-Z]+|[0-9]+)$"
          }
        ],
        "description": "A return value: 0, -22 or -EINVAL."
      },
      "value": {
        "oneOf": [
          {
            "type": "integer",
            "minimum": 0
          },
          {
            "type": "string",
            "pattern": "^(0[xX][0-9a-fA-F]+|[0-9]+)$"
          }
        ],
        "description": "A number, or a string in decimal or 0x hex (for 64-bit values)."
      },
      "valuePath": {
        "type": "string",
        "description": "The step's returned value must equal this path of the state document right after the step, e.g. domains.1.vcpus.0.rax."
      }
    },
    "description": "What the step must return."
  },
  "after": {
    "type": "array",
    "items": {
      "$ref": "#/definitions/expectation"
    },
    "description": "Checked right after this step."
  },
  "note": {
    "type": "string",
    "description": "A comment shown in the trace."
  }
};
const WHEN: Json = {
  "$ref": "#/definitions/expectation",
  "description": "The step waits until this holds (as libxl waits for the device model before unpausing). In run, a step whose condition does not hold is an error; in explore, it is not enabled yet."
};

/** Conditions (the `expect`, `after` and `when` entries). */
const EXPECTATION: Json = {
  "type": "object",
  "description": "A condition on the model.",
  "oneOf": [
    {
      "required": [
        "path"
      ],
      "properties": {
        "path": {
          "type": "string",
          "description": "A path into the state document (state --json), e.g. domains.1.ioreqServer.domid."
        },
        "equals": {},
        "notEquals": {},
        "exists": {
          "type": "boolean"
        }
      },
      "additionalProperties": false
    },
    {
      "required": [
        "event"
      ],
      "properties": {
        "event": {
          "type": "string",
          "description": "A model event kind, e.g. server_create."
        },
        "fn": {
          "type": "string"
        },
        "domid": {
          "type": "integer",
          "minimum": 0,
          "maximum": 32751,
          "description": "A domain id."
        },
        "count": {
          "type": "integer",
          "minimum": 0
        },
        "text": {
          "type": "string"
        }
      },
      "additionalProperties": false
    },
    {
      "required": [
        "crash"
      ],
      "properties": {
        "crash": {
          "type": "integer",
          "minimum": 0,
          "maximum": 32751,
          "description": "A domain id."
        },
        "reason": {
          "type": "string"
        }
      },
      "additionalProperties": false
    },
    {
      "required": [
        "noCrash"
      ],
      "properties": {
        "noCrash": {
          "type": "integer",
          "minimum": 0,
          "maximum": 32751,
          "description": "A domain id."
        }
      },
      "additionalProperties": false
    },
    {
      "required": [
        "console"
      ],
      "properties": {
        "console": {
          "type": "string",
          "description": "A hypervisor console line: a substring of one (match: substring, the default), the whole line without (XEN) (exact), or a JavaScript regular expression (regex)."
        },
        "match": {
          "enum": [
            "substring",
            "exact",
            "regex"
          ]
        },
        "count": {
          "type": "integer",
          "minimum": 0,
          "description": "How many console lines match (instead of at least one)."
        },
        "absent": {
          "type": "boolean"
        }
      },
      "additionalProperties": false
    },
    {
      "required": [
        "events"
      ],
      "properties": {
        "events": {
          "type": "array",
          "minItems": 1,
          "description": "Model events that occur in this order (others may come between).",
          "items": {
            "type": "object",
            "required": [
              "event"
            ],
            "properties": {
              "event": {
                "type": "string"
              },
              "fn": {
                "type": "string"
              },
              "domid": {
                "type": "integer",
                "minimum": 0,
                "maximum": 32751
              },
              "text": {
                "type": "string"
              }
            },
            "additionalProperties": false
          }
        }
      },
      "additionalProperties": false
    },
    {
      "required": [
        "panic"
      ],
      "properties": {
        "panic": {
          "oneOf": [
            {
              "type": "boolean"
            },
            {
              "type": "string"
            }
          ]
        }
      },
      "additionalProperties": false
    },
    {
      "required": [
        "bug"
      ],
      "properties": {
        "bug": {
          "enum": [
            "use-after-free"
          ]
        },
        "absent": {
          "type": "boolean"
        }
      },
      "additionalProperties": false
    }
  ]
};

function profileDoc(spec: OpSpec): string {
  return spec.profiles ? ` (profiles: ${spec.profiles.join(', ')})` : '';
}

/** One op's clause: its description, the common fields, its arguments (required ones listed), nothing else. */
function opClause(name: string, spec: OpSpec): Json {
  const properties: Json = { op: { const: name, description: spec.doc + profileDoc(spec) }, ...STEP_COMMON };
  const required = ['op', 'actor'];
  for (const [k, a] of Object.entries(spec.args)) {
    properties[k] = a.schema;
    if (a.required) required.push(k);
  }
  properties.when = WHEN;
  return {
    if: { properties: { op: { const: name } }, required: ['op'] },
    then: { properties, required, additionalProperties: false },
  };
}

export function buildSchema(): Json {
  const ops = Object.entries(OPS as Record<string, OpSpec>);
  return {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "$id": "https://ioreq-scope.invalid/scenario.schema.json",
    "title": "IOREQ Scope scenario",
    "description": "A scenario for IOREQ Scope (*.ioreq.json, comments allowed): a Xen profile, device models, and ordered steps by actor, with expectations.",
    "type": "object",
    "additionalProperties": false,
    "required": [
      "profile",
      "steps"
    ],
    properties: {
      "$schema": {
        "type": "string"
      },
      "name": {
        "type": "string",
        "description": "A short title."
      },
      "description": {
        "type": "string",
        "description": "What the scenario shows and the Xen source it follows."
      },
      profile: { enum: [...PROFILES], description: PROFILES.map((p) => `${p}: ${PROFILE_DOCS[p]}`).join('; ') + '.' },
      "deviceModels": {
        "type": "array",
        "description": "Device models: each a name (the actor), the domain it runs in, and its target.",
        "items": {
          "type": "object",
          "additionalProperties": false,
          "required": [
            "name",
            "target"
          ],
          "properties": {
            "name": {
              "type": "string",
              "pattern": "^[A-Za-z][A-Za-z0-9_-]*$"
            },
            "domid": {
              "type": "integer",
              "minimum": 0,
              "maximum": 32751,
              "description": "A domain id."
            },
            "target": {
              "type": "integer",
              "minimum": 0,
              "maximum": 32751,
              "description": "A domain id."
            },
            "maxCpus": {
              "type": "integer",
              "minimum": 1,
              "maximum": 128
            },
            "kind": {
              "enum": [...DM_KINDS],
              "enumDescriptions": [
                "QEMU (hw/xen/xen-hvm-common.c): its own server with ATOMIC buffering, resource frames, cpu_handle_ioreq.",
                "varstored: a server without buffering, one resource frame, the UEFI variable port.",
                "A virtio-mmio backend (as on Arm): a server without buffering, the transport's MMIO window.",
                "Not a process: the dom0 kernel's privcmd ioeventfd (Linux 6.7), sharing another device model's ioreq page and ports (privcmd_ioeventfd, ioeventfd_interrupt)."
              ],
              "description": "4.21 profiles: whose device-model code it runs (default qemu)."
            },
            "resourceUnsupported": {
              "type": "boolean",
              "description": "4.21 profiles: the device model's kernel cannot map resources (privcmd gives EOPNOTSUPP), so it falls back to get_info's gfns."
            }
          }
        }
      },
      "revert": {
        "type": "array",
        "description": "Fixes from Xen's history to undo (the bug zoo): the profile's code runs as it was before each commit. explore --fixed ignores this list.",
        "items": { "enum": [...FIX_IDS], "enumDescriptions": FIX_IDS.map((id) => `${FIXES[id].title} (${FIXES[id].profiles.join(', ')}): ${FIXES[id].bug}. Fixed in ${FIXES[id].where}.`) }
      },
      "explore": {
        "type": "object",
        "additionalProperties": false,
        "description": "Options for ioreq-scope explore.",
        "properties": {
          "allow": {
            "type": "array",
            "items": {
              "enum": [...ALLOWABLE_VIOLATIONS]
            }
          }
        }
      },
      "steps": {
        "type": "array",
        "items": {
          "$ref": "#/definitions/step"
        }
      },
      "expect": {
        "type": "array",
        "items": {
          "$ref": "#/definitions/expectation"
        },
        "description": "Checked at the end of the run (and at every final state of explore)."
      },
    },
    definitions: {
      step: {
        type: 'object',
        required: ['op', 'actor'],
        // enumDescriptions: VS Code's JSON language service shows them in completion and on hover over an op's name.
        properties: { op: { enum: ops.map(([n]) => n), enumDescriptions: ops.map(([, spec]) => spec.doc + profileDoc(spec)) } },
        allOf: ops.map(([n, spec]) => opClause(n, spec)),
      },
      expectation: EXPECTATION,
    },
  };
}
