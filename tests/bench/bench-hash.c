/* bench-hash.c - prints an argon2id hash of a password at libsodium's
 * minimum cost, for the benchmark's template only.
 *
 * run-bench.sh stores it for every generated user: the template exists to
 * obtain one session token per user, and 10,000 logins at the server's
 * real cost (crypto_pwhash INTERACTIVE, hashed two at a time) take 20-70
 * minutes on a 2-core machine.  libsodium reads the cost from the hash
 * string, so tidingsd verifies these in microseconds without any change;
 * nothing measured depends on password hashing (every workload logs in
 * with tokens).  Real accounts are never hashed like this. */

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
  char hash[crypto_pwhash_STRBYTES];

  if (argc != 2 || sodium_init () < 0)
    {
      fprintf (stderr, "usage: bench-hash PASSWORD\n");
      return 2;
    }
  if (crypto_pwhash_str (hash, argv[1], strlen (argv[1]),
                         crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN) != 0)
    {
      fprintf (stderr, "bench-hash: out of memory\n");
      return 1;
    }
  printf ("%s\n", hash);
  return 0;
}
