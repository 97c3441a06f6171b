import {Command} from '@oclif/core'

export default class Hello extends Command {
  static description = 'Say hello.'
  static enableJsonFlag = true

  async run() {
    await this.parse(Hello)
    return []
  }
}
