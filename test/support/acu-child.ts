// A DoorCx ACU in its own process (for the kill test): connects over a serial port, drops an
// output with a timed command, reports it on stdout, then keeps the link busy until killed.
import { OsdpController } from '../../controller/driver';
import { SerialTransport } from '../../controller/serial/transport';

const [port, address, output, durationMs] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const ctl = new OsdpController(new SerialTransport(port, 9600));
ctl.useSecureChannel({ install: true });
await ctl.open();
const r = await ctl.timedOutput(address, output, 'off', durationMs);
process.stdout.write(
  `DROPPED ${JSON.stringify({ confirmed: r.confirmed, confirmedOn: r.confirmedOn, secure: ctl.status(address)?.secure })}\n`,
);
// Stay alive, polling, until the test kills this process mid-drop.
setInterval(() => undefined, 1000);
