import COpenSSL
import Foundation

/// The issuing key's RSA private-key operations, done by OpenSSL's libcrypto:
/// RSASSA-PSS signing of slips and the raw RSASP1 of a blind signature. OpenSSL 3's RSA-2048
/// private operation is about twice BoringSSL's on this project's machines (`tools/bench/tokens`).
/// Everything else (key generation, public-key operations, verification) stays with
/// swift-crypto; every result is checked with the public key before it is used.
/// One key is used from many threads: each operation has its own `EVP_PKEY_CTX`, which
/// OpenSSL 3 allows on a shared, unchanging `EVP_PKEY`.
final class OpenSSLPrivateKey: @unchecked Sendable {
    private let key: OpaquePointer

    /// Reads a PEM private key (PKCS#8 or PKCS#1).
    init(pem: String) throws(TokenError) {
        let bytes = Array(pem.utf8)
        let key: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key, EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            ERR_clear_error()
            throw .badKey("OpenSSL cannot read the RSA private key")
        }
        self.key = key
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// The modulus length in bytes.
    var modulusBytes: Int { Int(EVP_PKEY_get_size(key)) }

    /// RSASSA-PSS over a SHA-384 digest: MGF1 with SHA-384, a 48-byte salt (RFC 9474's
    /// RSABSSA-SHA384-PSS, whose finalized signatures slips carry).
    func signPSS(sha384Digest digest: Data) throws(TokenError) -> Data {
        try withContext { context throws(TokenError) in
            guard EVP_PKEY_sign_init(context) == 1,
                  EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) == 1,
                  EVP_PKEY_CTX_set_signature_md(context, EVP_sha384()) == 1,
                  EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha384()) == 1,
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(context, 48) == 1
            else { throw .signingFailed }
            return try output { out, length in
                digest.withUnsafeBytes { EVP_PKEY_sign(context, out, length, $0.bindMemory(to: UInt8.self).baseAddress, $0.count) }
            }
        }
    }

    /// RSASP1 (m^d mod n, RFC 8017 §5.2.1) of a modulus-sized input below the modulus; OpenSSL
    /// refuses a larger one. With blinding and CRT, as OpenSSL does for every private operation.
    func rawPrivate(_ input: Data) throws(TokenError) -> Data {
        guard input.count == modulusBytes else { throw .signingFailed }
        return try withContext { context throws(TokenError) in
            guard EVP_PKEY_decrypt_init(context) == 1, EVP_PKEY_CTX_set_rsa_padding(context, RSA_NO_PADDING) == 1 else {
                throw .signingFailed
            }
            return try output { out, length in
                input.withUnsafeBytes { EVP_PKEY_decrypt(context, out, length, $0.bindMemory(to: UInt8.self).baseAddress, $0.count) }
            }
        }
    }

    /// RSAVP1 (s^e mod n), to check a private operation's result.
    func rawPublic(_ input: Data) throws(TokenError) -> Data {
        guard input.count == modulusBytes else { throw .signingFailed }
        return try withContext { context throws(TokenError) in
            guard EVP_PKEY_encrypt_init(context) == 1, EVP_PKEY_CTX_set_rsa_padding(context, RSA_NO_PADDING) == 1 else {
                throw .signingFailed
            }
            return try output { out, length in
                input.withUnsafeBytes { EVP_PKEY_encrypt(context, out, length, $0.bindMemory(to: UInt8.self).baseAddress, $0.count) }
            }
        }
    }

    private func withContext(_ body: (OpaquePointer) throws(TokenError) -> Data) throws(TokenError) -> Data {
        guard let context = EVP_PKEY_CTX_new(key, nil) else { throw .signingFailed }
        defer {
            EVP_PKEY_CTX_free(context)
            ERR_clear_error()
        }
        return try body(context)
    }

    /// Runs an OpenSSL call that writes at most a modulus of bytes, and returns them.
    private func output(_ call: (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<Int>) -> Int32) throws(TokenError) -> Data {
        var bytes = [UInt8](repeating: 0, count: modulusBytes)
        var length = bytes.count
        let status = bytes.withUnsafeMutableBufferPointer { buffer in call(buffer.baseAddress!, &length) }
        guard status == 1, length <= bytes.count else { throw .signingFailed }
        return Data(bytes.prefix(length))
    }
}
