import { Option, type Command } from 'commander';
import { KV_PRECISIONS, ROUTER_POLICIES, WEIGHT_PRECISIONS } from '../server/profiles';
import { integerIn, numberIn, positiveInteger } from './flag-parsers';

/** The composition flags every command that takes a profile accepts (serve, simulate, predict). */
export function addCompositionOptions(command: Command): Command {
  return command
    .addOption(new Option('--hardware <id>', 'compose a physics profile: hardware id (tokenbench hardware)'))
    .addOption(new Option('--gpus <n>', 'devices (tensor parallel)').argParser(positiveInteger))
    .addOption(new Option('--model <id>', 'compose a physics profile: model id (tokenbench models)'))
    .addOption(new Option('--weights <precision>', 'weight precision').choices(WEIGHT_PRECISIONS))
    .addOption(new Option('--kv <precision>', 'KV-cache precision').choices(KV_PRECISIONS))
    .addOption(new Option('--max-num-seqs <n>', 'batch size limit').argParser(positiveInteger))
    .addOption(new Option('--spec-decode <spec>', 'speculative decoding, e.g. gamma=4,accept=0.7[,draft=llama-3.2-1b][,method=mtp]'))
    .addOption(new Option('--reasoning <spec>', 'hidden reasoning, e.g. effort=medium[,tokens=600][,stream=true]'))
    .addOption(new Option('--no-prefix-caching', "turn the batch engine's automatic prefix caching off (on by default, as in vLLM v1)"))
    .addOption(new Option('--replicas <n>', 'data-parallel replicas, each a full engine on its own copy of the hardware, behind --router').argParser(integerIn(1, 1024)))
    .addOption(new Option('--router <policy>', 'how requests are spread over --replicas (or over each disaggregated pool)').choices(ROUTER_POLICIES))
    .addOption(new Option('--prefill-replicas <n>', 'disaggregated serving: replicas that only prefill (with --decode-replicas)').argParser(integerIn(1, 1024)))
    .addOption(new Option('--decode-replicas <n>', 'disaggregated serving: replicas that only decode, receiving each prompt\'s KV cache').argParser(integerIn(1, 1024)))
    .addOption(new Option('--kv-link-gbps <gbps>', 'disaggregated serving: the KV link between the pools, in Gbit/s (default: the hardware\'s interconnect)').argParser(numberIn(0, 1e6, { aboveMin: true })))
    .addOption(new Option('--kv-link-latency-us <us>', 'disaggregated serving: fixed latency per KV transfer (default: the hardware\'s link latency)').argParser(numberIn(0, 1e6)));
}

export { profileFromOptions } from '../server/profiles';
