int LLVMFuzzerTestOneInput (const unsigned char *d, unsigned long s); int LLVMFuzzerTestOneInput (const unsigned char *d, unsigned long s) { (void) d; (void) s; return 0; }
