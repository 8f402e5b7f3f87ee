// Java baselines for `cargo xtask bench`: the Smartro vendor sample's logic (encodeSHA256Base64,
// AES256Cipher.AES_Encode / AES_Decode: a new Cipher per call, IV of 16 zero bytes, PKCS5),
// on the same bytes as the Rust benches.
//
//     javac -d OUT VendorSample.java && java -cp OUT VendorSample FIXTURE_DIR
//
// Prints one JSON object: operation -> nanoseconds per operation.

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

public class VendorSample {
    static String encodeSHA256Base64(String text) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(text.getBytes(StandardCharsets.UTF_8));
        return new String(Base64.getEncoder().encode(md.digest()), StandardCharsets.US_ASCII);
    }

    static String aesEncode(String text, String key) throws Exception {
        SecretKeySpec spec = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "AES");
        Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
        c.init(Cipher.ENCRYPT_MODE, spec, new IvParameterSpec(new byte[16]));
        return new String(Base64.getEncoder().encode(c.doFinal(text.getBytes(StandardCharsets.UTF_8))), StandardCharsets.US_ASCII);
    }

    static String aesDecode(String text, String key) throws Exception {
        SecretKeySpec spec = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "AES");
        Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
        c.init(Cipher.DECRYPT_MODE, spec, new IvParameterSpec(new byte[16]));
        return new String(c.doFinal(Base64.getDecoder().decode(text)), StandardCharsets.UTF_8);
    }

    interface Op { Object run() throws Exception; }

    static volatile Object sink;

    static double perOp(Op op, double seconds) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 0.4e9);
        while (System.nanoTime() < end) { sink = op.run(); } // warm up the JIT
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 3; r++) {
            long n = 0, start = System.nanoTime(), stop = start + (long) (seconds * 0.2e9);
            long now;
            do {
                for (int i = 0; i < 1000; i++) { sink = op.run(); }
                n += 1000;
                now = System.nanoTime();
            } while (now < stop);
            best = Math.min(best, (double) (now - start) / n);
        }
        return best;
    }

    public static void main(String[] args) throws Exception {
        Path d = Path.of(args[0]);
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2.0;
        String key = Files.readString(d.resolve("merchant-key.txt"));
        String[] edi = Files.readString(d.resolve("encrypt-data.txt")).trim().split("\n");
        String plain = Files.readString(d.resolve("aes-plaintext.txt"), StandardCharsets.UTF_8);
        String key32 = key.substring(0, 32);
        String cipherText = aesEncode(plain, key32);
        String input = edi[0] + edi[1] + edi[2] + key;
        double sign = perOp(() -> encodeSHA256Base64(input), seconds);
        double enc = perOp(() -> aesEncode(plain, key32), seconds);
        double dec = perOp(() -> aesDecode(cipherText, key32), seconds);
        System.out.printf(
            "{\"encrypt_data/java_vendor_sample\": %.1f, \"aes256cipher/java_vendor_sample_encrypt_159b\": %.1f, \"aes256cipher/java_vendor_sample_decrypt_159b\": %.1f}%n",
            sign, enc, dec);
    }
}
