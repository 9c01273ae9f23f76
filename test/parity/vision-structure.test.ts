// Names, shapes, groups and counts of the native model against torchvision + fastai's head, and
// loading a torchvision ResNet-34 state dict into the body.
import { describe, expect, it } from 'vitest';
import { createVisionModel, readWeights, type ParamInfo } from '../../src/index.js';
import { fixture } from '../helpers/fixtures.js';
import { expectSameTensors, N_OUT, referenceWeights, torchvisionWeights } from '../helpers/model.js';

const structure = fixture('vision_model', 'structure').meta as {
  torchvision: Array<[string, number[]]>;
  model: Array<[string, number[]]>;
  params: Array<[string, number[], number, boolean]>;
  numBodyParams: number;
  numHeadParams: number;
  numTrainableFrozen: number;
  numBodyNormParams: number;
  groupTensors: number[];
  groupParams: number[];
};

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const count = (params: ParamInfo[], keep: (p: ParamInfo) => boolean) => params.filter(keep).reduce((sum, p) => sum + numel(p.shape), 0);

describe('VisionModel structure vs torchvision + fastai', () => {
  it('has fastai state-dict keys and shapes, in PyTorch order (228 entries)', async () => {
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    const state = await model.stateDict();
    expect(state.map((t) => [t.name, t.shape])).toEqual(structure.model);
    expect(state).toHaveLength(228);
    expect(state.find((t) => t.name === '0.1.num_batches_tracked')?.dtype).toBe('I64');
  });

  it('has fastai parameter groups, kinds and counts (spec 1.5, 1.6)', async () => {
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    const params = model.paramInfo();
    expect(params.map((p) => [p.name, p.shape, p.group, p.isNorm])).toEqual(structure.params);
    expect(model.nGroups).toBe(3);
    expect([0, 1, 2].map((g) => params.filter((p) => p.group === g).length)).toEqual(structure.groupTensors);
    expect([0, 1, 2].map((g) => count(params, (p) => p.group === g))).toEqual(structure.groupParams);
    expect(structure.groupTensors).toEqual([48, 60, 6]);
    expect(count(params, (p) => p.name.startsWith('0.'))).toBe(structure.numBodyParams);
    expect(structure.numBodyParams).toBe(21_284_672);
    expect(count(params, (p) => p.name.startsWith('1.'))).toBe(527_360 + 512 * N_OUT);
    expect(structure.numHeadParams).toBe(527_360 + 512 * N_OUT);
    // No weight decay on BatchNorm (the model has no other biases), unless wdBnBias.
    expect(params.every((p) => p.noDecay === p.isNorm)).toBe(true);
    using decayAll = await createVisionModel({ nOut: N_OUT, device: 'cpu', wdBnBias: true });
    expect(decayAll.paramInfo().some((p) => p.noDecay)).toBe(false);
  });

  it('freezes like fastai: head + every BatchNorm trainable (17,024 body BN params)', async () => {
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    expect(model.paramInfo().every((p) => p.trainable)).toBe(true); // created unfrozen
    model.freeze();
    let params = model.paramInfo();
    expect(count(params, (p) => p.trainable)).toBe(structure.numTrainableFrozen);
    expect(structure.numTrainableFrozen).toBe(structure.numHeadParams + 17_024);
    expect(count(params, (p) => p.trainable && p.name.startsWith('0.'))).toBe(structure.numBodyNormParams);
    expect(params.filter((p) => p.trainable && p.group < 2).every((p) => p.isNorm)).toBe(true);

    model.freezeTo(-2); // layer3, layer4 and the head
    params = model.paramInfo();
    expect(params.filter((p) => p.group >= 1).every((p) => p.trainable)).toBe(true);
    expect(params.filter((p) => p.group === 0 && p.trainable).every((p) => p.isNorm)).toBe(true);
    model.freezeTo(-10); // counts past the start: nothing frozen
    expect(model.paramInfo().every((p) => p.trainable)).toBe(true);
    model.unfreeze();
    expect(model.paramInfo().every((p) => p.trainable)).toBe(true);

    using noTrainBn = await createVisionModel({ nOut: N_OUT, device: 'cpu', trainBn: false });
    noTrainBn.freeze();
    expect(count(noTrainBn.paramInfo(), (p) => p.trainable)).toBe(structure.numHeadParams);
  });

  it('loads a torchvision ResNet-34 state dict into the body: every key maps, fc is dropped', async () => {
    const tvKeys = structure.torchvision.map(([k]) => k);
    expect(tvKeys.filter((k) => k.startsWith('fc.'))).toEqual(['fc.weight', 'fc.bias']);
    // Same number of tensors as our body, shapes in the same order.
    const body = structure.model.filter(([k]) => k.startsWith('0.'));
    expect(structure.torchvision.filter(([k]) => !k.startsWith('fc.')).map(([, s]) => s)).toEqual(body.map(([, s]) => s));

    const reference = await readWeights(referenceWeights);
    for (const part of ['body', 'auto'] as const) {
      using model = await createVisionModel({ nOut: N_OUT, device: 'cpu', seed: 3 });
      const headBefore = (await model.stateDict()).filter((t) => t.name.startsWith('1.'));
      await model.loadWeights(torchvisionWeights, { part });
      const state = await model.stateDict();
      const body = (list: typeof state) => list.filter((t) => t.name.startsWith('0.'));
      expectSameTensors(body(state), body(reference.tensors), `${part}: body`);
      expectSameTensors(
        state.filter((t) => t.name.startsWith('1.')),
        headBefore,
        `${part}: head`,
      );
    }
  });

  it('loads our whole-model and body-only weights', async () => {
    const reference = await readWeights(referenceWeights);
    using full = await createVisionModel({ nOut: N_OUT, device: 'cpu', seed: 5 });
    await full.loadWeights(referenceWeights); // auto: head keys present -> whole model
    expectSameTensors(await full.stateDict(), reference.tensors, 'whole model');

    using body = await createVisionModel({ nOut: N_OUT, device: 'cpu', seed: 5 });
    const headBefore = (await body.stateDict()).filter((t) => t.name.startsWith('1.'));
    await body.loadWeights(referenceWeights, { part: 'body' });
    const state = await body.stateDict();
    expectSameTensors(
      state.filter((t) => t.name.startsWith('0.')),
      reference.tensors.filter((t) => t.name.startsWith('0.')),
      'body',
    );
    expectSameTensors(
      state.filter((t) => t.name.startsWith('1.')),
      headBefore,
      'head',
    );
  });

  it('initialises like torchvision and fastai, reproducibly from the seed', async () => {
    using a = await createVisionModel({ nOut: N_OUT, device: 'cpu', seed: 11 });
    using b = await createVisionModel({ nOut: N_OUT, device: 'cpu', seed: 11 });
    using c = await createVisionModel({ nOut: N_OUT, device: 'cpu', seed: 12 });
    const [sa, sb, sc] = await Promise.all([a.stateDict(), b.stateDict(), c.stateDict()]);
    expectSameTensors(sa, sb, 'same seed');
    expect(sa.find((t) => t.name === '0.0.weight')?.data?.[0]).not.toBe(sc.find((t) => t.name === '0.0.weight')?.data?.[0]);
    const get = (name: string) => Array.from(sa.find((t) => t.name === name)?.data as Float32Array);
    const std = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    // kaiming_normal_: body convs fan_out (layer3.0.conv2: 256*3*3), head linears fan_in.
    expect(std(get('0.6.0.conv2.weight')) / Math.sqrt(2 / (256 * 9))).toBeCloseTo(1, 1);
    expect(std(get('1.4.weight')) / Math.sqrt(2 / 1024)).toBeCloseTo(1, 1);
    expect(new Set(get('0.1.weight'))).toEqual(new Set([1]));
    expect(new Set(get('0.1.bias'))).toEqual(new Set([0]));
    expect(new Set(get('1.2.weight'))).toEqual(new Set([1]));
    expect(new Set(get('1.6.bias').map((x) => Math.fround(x)))).toEqual(new Set([Math.fround(1e-3)]));
  });
});
