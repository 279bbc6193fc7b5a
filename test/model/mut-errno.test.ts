// Xen's error numbers as the model returns and prints them (issue 16's mutation testing of src/model/errno.ts): the
// values of xen/include/public/errno.h (the x86 Linux numbers), the -Efoo names a Xen developer reads in a return,
// glibc's strerror() words a device model's perror() prints, and the forms a scenario may write an expected rc in.
import assert from 'node:assert/strict';
import * as E from '../../src/model/errno';

// [name, value from xen/include/public/errno.h, glibc's strerror text]
const TABLE: Array<[string, number, string]> = [
  ['EPERM', 1, 'Operation not permitted'], ['ENOENT', 2, 'No such file or directory'], ['ESRCH', 3, 'No such process'],
  ['EAGAIN', 11, 'Resource temporarily unavailable'], ['ENOMEM', 12, 'Cannot allocate memory'], ['EFAULT', 14, 'Bad address'],
  ['EBUSY', 16, 'Device or resource busy'], ['EEXIST', 17, 'File exists'], ['EINVAL', 22, 'Invalid argument'],
  ['ENOSPC', 28, 'No space left on device'], ['ENOSYS', 38, 'Function not implemented'], ['ENODATA', 61, 'No data available'],
  ['EOPNOTSUPP', 95, 'Operation not supported'],
];

describe('errno: Xen error numbers as returned and printed', () => {
  it("each value is errno.h's", () => {
    for (const [name, value] of TABLE) assert.equal((E as unknown as Record<string, number>)[name], value, name);
  });

  it('a negative return is shown by its name, -EEXIST; others as numbers', () => {
    for (const [name, value] of TABLE) assert.equal(E.rcName(-value), `-${name}`);
    assert.equal(E.rcName(0), '0');
    assert.equal(E.rcName(3), '3'); // a positive return is a count or a port, not an error
    assert.equal(E.rcName(17), '17');
    assert.equal(E.rcName(-5), '-5'); // EIO: a number the model has no name for stays a number
  });

  it("strerror words each error as glibc does, and an unknown one as 'Unknown error N'", () => {
    for (const [name, value, text] of TABLE) assert.equal(E.strerror(value), text, name);
    assert.equal(E.strerror(5), 'Unknown error 5');
    assert.equal(E.strerror(0), 'Unknown error 0');
  });

  it('an expected return is read from -EEXIST, EEXIST, -17 or 0', () => {
    for (const [name, value] of TABLE) {
      assert.equal(E.parseRc(`-${name}`), -value, name);
      assert.equal(E.parseRc(name), -value, name);
    }
    assert.equal(E.parseRc('-17'), -17);
    assert.equal(E.parseRc('0'), 0);
    assert.equal(E.parseRc('17'), 17);
    assert.equal(E.parseRc('170'), 170);
    assert.equal(E.parseRc('  -EINVAL \n'), -22); // surrounding blanks are ignored
  });

  it('anything else is not an expected return', () => {
    for (const s of ['', '-', '--EEXIST', 'eexist', 'EIO', 'EEX-IST', 'a17', '17a', '1.5', '-0x11', 'E EXIST']) {
      assert.equal(E.parseRc(s), undefined, JSON.stringify(s));
    }
  });
});
