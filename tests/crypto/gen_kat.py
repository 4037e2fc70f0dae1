#!/usr/bin/python3
"""Turn ../shared/vectors/esp-kat.json into a C header for test_xform_kat.c.

Usage: gen_kat.py esp-kat.json out.h
"""
import json
import sys


def carr(hexstr):
    b = bytes.fromhex(hexstr)
    if not b:
        return "{ 0 }", 0
    return "{ " + ", ".join("0x%02x" % x for x in b) + " }", len(b)


def main():
    d = json.load(open(sys.argv[1]))
    out = ["/* Generated from esp-kat.json by gen_kat.py: do not edit. */",
           "struct esp_kat {",
           "\tconst char *name;",
           "\tuint8_t ealg;",
           "\tuint8_t key[36];",
           "\tuint16_t key_len;",
           "\tuint32_t spi;",
           "\tuint64_t seq;",
           "\tint esn;",
           "\tuint8_t iv[8];",
           "\tuint8_t pt[256];",
           "\tuint16_t pt_len;",
           "\tuint8_t ct_icv[280];",
           "\tuint16_t ct_icv_len;",
           "};",
           "static const struct esp_kat esp_kats[] = {"]

    def emit(name, ealg, key, spi, seq, esn, iv, pt, ct):
        k, kl = carr(key)
        i, _ = carr(iv)
        p, pl = carr(pt)
        c, cl = carr(ct)
        out.append("\t{ \"%s\", %d, %s, %d, 0x%s, 0x%xULL, %d, %s, %s, %d, "
                   "%s, %d }," % (name, ealg, k, kl, spi, seq, esn, i, p, pl,
                                  c, cl))

    r = d["rfc7634_appendix_a_chacha20_poly1305"]
    emit("rfc7634-a", 250, r["key_and_salt"], r["spi"], r["seq"], 0,
         r["iv"], r["plaintext"], r["ciphertext_icv"])
    for n, v in enumerate(d["draft_mcgrew_gcm_test_01"]):
        seq = v["seq_hex"]
        esn = 1 if len(seq) == 16 else 0
        key = v["aes_key"] + v["salt_iv"][:8]
        emit("mcgrew-%d" % (n + 1), 20, key, v["spi"], int(seq, 16), esn,
             v["salt_iv"][8:], v["plaintext"], v["ciphertext_icv"])
    out.append("};")
    open(sys.argv[2], "w").write("\n".join(out) + "\n")


main()
