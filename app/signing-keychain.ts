// The technician certificate's passphrase kept by the operating system's keychain
// (Electron safeStorage: Keychain on macOS, DPAPI on Windows, libsecret/kwallet on
// Linux). Only the desktop shell has a keychain: electron/main.ts supplies the box
// and the file and calls these around a build. Pure apart from the two interfaces,
// so it is tested without Electron.
import type { PassphraseSource } from '../report/certificate';

/** What electron's safeStorage offers. `protects` is false where it would only obfuscate (Linux "basic_text"). */
export interface SecretBox {
  protects(): boolean;
  encrypt(text: string): Buffer;
  decrypt(bytes: Buffer): string;
}

/** Where the encrypted passphrase lives (data folder, beside the certificate). */
export interface SecretFile {
  read(): Buffer | null;
  write(bytes: Buffer): void;
}

export interface KeychainStatus {
  /** This computer's keychain can keep the passphrase. */
  available: boolean;
  /** It keeps one: a build may leave the passphrase out. */
  kept: boolean;
}

/** The build input fields the keychain looks at (the contract's buildReport input; the rest is passed on). */
type BuildInput = Record<string, unknown> & { passphrase?: string; p12Base64?: string };

export class SigningKeychain implements PassphraseSource {
  constructor(
    private readonly box: SecretBox,
    private readonly file: SecretFile,
  ) {}

  status(): KeychainStatus {
    const available = this.box.protects();
    return { available, kept: available && this.file.read() !== null };
  }

  async passphrase(): Promise<string> {
    const kept = this.status().kept ? this.file.read() : null;
    if (!kept) throw new Error('This computer keeps no certificate passphrase: enter it.');
    return this.box.decrypt(kept);
  }

  /**
   * A build of the data folder's certificate without a passphrase gets the kept one. An organisation's .p12
   * (p12Base64) has its own passphrase and is never filled in. Anything else is passed on unchanged.
   */
  async fill<T extends BuildInput>(input: T): Promise<T> {
    if (input.passphrase || input.p12Base64 || !this.status().kept) return input;
    return { ...input, passphrase: await this.passphrase() };
  }

  /** After a build that worked with a typed passphrase for the data folder's certificate: keep it for next time. */
  learn(input: BuildInput): void {
    if (!input.passphrase || input.p12Base64 || !this.box.protects()) return;
    this.file.write(this.box.encrypt(input.passphrase));
  }
}
