import { z } from 'zod';

export const id = z.uuid({ message: 'must be a UUID' });

export const signUpInput = z.object({
  email: z
    .string()
    .trim()
    .max(254, 'must be at most 254 characters')
    .pipe(z.email({ message: 'must be a valid email address' }))
    .transform((email) => email.toLowerCase()),
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  password: z.string().min(10, 'must be at least 10 characters').max(128, 'must be at most 128 characters'),
});
export type SignUpInput = z.infer<typeof signUpInput>;
