// An e-signature is the logged-in user re-entering the password, checked here against Node-RED's own users:
// settings.adminAuth (a list or lookup of users with bcrypt hashes, or an authenticate function of its own).
// A Node-RED without adminAuth has no users, so nothing can be signed there.
import bcrypt from 'bcryptjs';
import type { AdminAuthSettings } from './red';

export async function passwordMatches(adminAuth: AdminAuthSettings | undefined, username: string, password: unknown): Promise<boolean> {
  if (!adminAuth || typeof password !== 'string' || password === '') return false;
  if (typeof adminAuth.authenticate === 'function') {
    const user = await adminAuth.authenticate(username, password);
    return Boolean(user) && user!.username === username;
  }
  const users = adminAuth.users;
  const user = typeof users === 'function' ? await users(username) : users?.find((u) => u.username === username);
  return typeof user?.password === 'string' && (await bcrypt.compare(password, user.password));
}
