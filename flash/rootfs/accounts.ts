/**
 * The hub's user and group as lines of the root filesystem's /etc/passwd, group, shadow and gshadow:
 * a system account (no login, no password) with its home the state directory, in dialout (the radio)
 * and, where the image has it, gpio (the reset line). Ids are the image's first free system ids, so the
 * same image always gets the same ones; an account already there is kept as it is.
 */
export const HUB_USER = 'hub';
export const ACCOUNT_GROUPS = ['dialout', 'gpio'] as const;

export interface AccountFiles {
  passwd: string;
  group: string;
  shadow: string;
  gshadow: string;
}

const rows = (text: string) => text.split('\n').filter((line) => line !== '').map((line) => line.split(':'));

function firstFreeId(used: Set<number>): number {
  // Debian's system range, from the top down as adduser --system does.
  for (let id = 999; id >= 100; id--) if (!used.has(id)) return id;
  throw new Error('no free system id in 100..999');
}

function withLine(text: string, name: string, line: string): string {
  if (rows(text).some((row) => row[0] === name)) return text;
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
}

/** Adds `user` to the member list (field 4, or 4 of gshadow) of `group`, when both are there. */
function withMember(text: string, group: string, user: string, field: number): string {
  return text
    .split('\n')
    .map((line) => {
      const fields = line.split(':');
      if (fields[0] !== group || fields.length <= field) return line;
      const members = fields[field]!.split(',').filter((member) => member !== '');
      if (members.includes(user)) return line;
      fields[field] = [...members, user].join(',');
      return fields.join(':');
    })
    .join('\n');
}

export function withHubAccount(files: AccountFiles): { files: AccountFiles; uid: number; gid: number } {
  const existingUser = rows(files.passwd).find((row) => row[0] === HUB_USER);
  const existingGroup = rows(files.group).find((row) => row[0] === HUB_USER);
  const gid = existingGroup ? Number(existingGroup[2]) : firstFreeId(new Set(rows(files.group).map((row) => Number(row[2]))));
  const uid = existingUser ? Number(existingUser[2]) : firstFreeId(new Set(rows(files.passwd).map((row) => Number(row[2]))));
  let { passwd, group, shadow, gshadow } = files;
  group = withLine(group, HUB_USER, `${HUB_USER}:x:${gid}:`);
  gshadow = withLine(gshadow, HUB_USER, `${HUB_USER}:!::`);
  passwd = withLine(passwd, HUB_USER, `${HUB_USER}:x:${uid}:${gid}:GB smart-metering hub:/var/lib/hub:/usr/sbin/nologin`);
  shadow = withLine(shadow, HUB_USER, `${HUB_USER}:!*:::::::`);
  for (const extra of ACCOUNT_GROUPS) {
    group = withMember(group, extra, HUB_USER, 3);
    gshadow = withMember(gshadow, extra, HUB_USER, 3);
  }
  return { files: { passwd, group, shadow, gshadow }, uid, gid };
}
